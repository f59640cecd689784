#include "client/core/session_core.hpp"

#include "common/log.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {

std::expected<std::unique_ptr<SessionCore>, Error> SessionCore::create(EngineerSession session, SessionLinks links) {
  auto receiver = PictureReceiver::create(links.clock ? *links.clock : PictureReceiver::steady_clock());
  if (!receiver) return std::unexpected(receiver.error());
  return std::unique_ptr<SessionCore>(new SessionCore(std::move(session), std::move(*receiver), links));
}

SessionCore::SessionCore(EngineerSession session, PictureReceiver receiver, SessionLinks links)
    : session_(std::move(session)),
      receiver_(std::move(receiver)),
      links_(links),
      probes_([this](protocol::Message m) { send(std::move(m)); }),
      remedies_([this](protocol::Message m) { send(std::move(m)); }),
      chat_([this](protocol::Message m) { send(std::move(m)); }),
      transfers_(session_.connection) {}

asio::awaitable<std::expected<SessionEvent, Error>> SessionCore::next(std::optional<std::chrono::milliseconds> wait) {
  auto& conn = *session_.connection;
  // Not a ?: with co_await in both arms: g++ 12 destroys that temporary twice (see engineer_session.cpp).
  std::expected<protocol::Message, Error> message;
  if (wait)
    message = co_await conn.receive(*wait);
  else
    message = co_await conn.receive();
  if (!message) co_return std::unexpected(message.error());
  SessionEvent event;
  if (PictureReceiver::is_picture(*message)) {
    event.picture = receive_picture(*message);
  } else if (auto* bye = std::get_if<protocol::Goodbye>(&*message)) {
    event.goodbye = std::move(*bye);
  } else {
    handle(*message);
  }
  co_return event;
}

std::optional<PictureUpdate> SessionCore::receive_picture(const protocol::Message& message) {
  auto decoded = receiver_.receive(message);
  if (!decoded) {
    send(decoded.error());
    return std::nullopt;
  }
  if (links_.stats) {
    links_.stats->round_trip_us =
        static_cast<std::uint64_t>(connection().round_trip().value_or(std::chrono::microseconds(0)).count());
    links_.stats->bytes += decoded->wire_bytes;
    links_.stats->pictures++;
  }
  return std::move(*decoded);
}

void SessionCore::handle(protocol::Message& message) {
  if (auto* result = std::get_if<protocol::ProbeResult>(&message)) {
    if (!probes_.deliver(*result)) log::debug("probe result {} for no pending call dropped", result->request_id);
    return;
  }
  if (auto* remedy = std::get_if<protocol::RemedyResult>(&message)) {
    if (!remedies_.deliver(*remedy)) log::debug("remedy result {} for no pending call dropped", remedy->request_id);
    return;
  }
  if (auto* control = std::get_if<protocol::TransferControl>(&message)) {
    if (!transfers_.deliver(*control)) log::debug("transfer message for no transfer of ours dropped");
    return;
  }
  if (auto* chunk = std::get_if<protocol::BulkChunk>(&message)) {
    if (!transfers_.deliver(*chunk)) log::debug("bulk chunk for no transfer of ours dropped");
    return;
  }
  if (auto* chat = std::get_if<protocol::Chat>(&message)) return chat_.receive(*chat);
  if (auto* list = std::get_if<protocol::MonitorList>(&message)) {
    monitors_ = std::move(*list);
    if (on_monitors_) on_monitors_(*monitors_);
    return;
  }
  if (auto* info = std::get_if<protocol::SessionInfo>(&message)) {
    session_info_ = std::move(*info);
    if (on_session_info_) on_session_info_(*session_info_);
    return;
  }
  if (auto* path = std::get_if<protocol::PathReport>(&message)) return record_path(*path);
  if (!links_.mailbox) return;
  if (auto* shape = std::get_if<protocol::CursorShape>(&message)) {
    links_.mailbox->put_cursor_shape(std::move(*shape));
  } else if (auto* pos = std::get_if<protocol::CursorPosition>(&message)) {
    links_.mailbox->put_cursor_position(*pos);
  } else if (auto* clip = std::get_if<protocol::Clipboard>(&message)) {
    if (auto text = zstd_decompress_text(clip->text_zstd, limits::kMaxClipboardBytes)) {
      links_.mailbox->put_clipboard(std::move(*text));
    } else {
      log::warn("unreadable clipboard from the host: {}", text.error().detail);
    }
  }
}

void SessionCore::record_path(const protocol::PathReport& r) {
  if (!links_.stats) return;
  SessionStats& s = *links_.stats;
  s.path_min_rtt_us = r.min_rtt_us;
  s.path_delivery_kbps = r.delivery_rate_kbps;
  s.path_target_kbps = r.target_kbps;
  s.path_queue_us = r.queue_delay_us;
  s.path_bytes_in_flight = r.bytes_in_flight;
  s.path_frames_in_flight = r.frames_in_flight;
  s.path_reports++;
}

void SessionCore::acknowledge(const PictureStamp& picture, std::uint64_t shown_us) {
  const protocol::FrameAck ack = frame_ack(picture, shown_us);
  send(ack);
  log::debug("ack frame {}: decode {} us, present {} us", ack.frame_id, ack.decode_us, ack.present_us);
  if (!links_.stats) return;
  SessionStats& s = *links_.stats;
  s.decode_us = ack.decode_us;
  s.present_us = ack.present_us;
  const auto& t = picture.timings;
  s.latency_us = std::uint64_t{t.capture_us} + t.encode_us + t.queue_us + s.round_trip_us / 2 + ack.decode_us +
                 ack.present_us;
}

void SessionCore::request_keyframe() { send(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error}); }

void SessionCore::send(protocol::Message message) { session_.connection->send(std::move(message)); }

void SessionCore::connection_lost(const std::string& why) {
  probes_.cancel_all(why);
  remedies_.cancel_all(why);
  transfers_.cancel_all(why);
}

void SessionCore::resume_on(std::shared_ptr<Connection> connection) {
  session_.connection = std::move(connection);
  transfers_.set_connection(session_.connection);
  // The host starts over from a keyframe; asking as well costs nothing and covers a lost request.
  request_keyframe();
}

void SessionCore::close(const std::string& why) {
  closed_by_us_ = true;
  probes_.cancel_all(why);
  remedies_.cancel_all(why);
  transfers_.cancel_all(why);
  session_.connection->close(protocol::GoodbyeReason::ended_by_engineer, "");
}

std::string describe_goodbye(const protocol::Goodbye& goodbye) {
  using enum protocol::GoodbyeReason;
  std::string why;
  switch (goodbye.reason) {
    case ended_by_customer: why = "ended by the customer"; break;
    case ended_by_engineer: why = "ended by the engineer"; break;
    case auth_failed: why = "authentication failed"; break;
    case declined: why = "declined by the customer"; break;
    case busy: why = "the host is busy"; break;
    case protocol_error: why = "protocol error"; break;
    case timeout: why = "timed out"; break;
    case shutting_down: why = "the host is shutting down"; break;
    case version_mismatch: why = "incompatible versions"; break;
    case normal: why = "ended by the host"; break;
  }
  if (why.empty()) why = "ended by the host";
  // The host's message often says the reason again ("ended by the customer (window closed)"): then it alone.
  if (goodbye.message.starts_with(why)) return goodbye.message;
  return goodbye.message.empty() ? why : why + ": " + goodbye.message;
}

int exit_code_for_goodbye(const protocol::Goodbye& goodbye) {
  using enum protocol::GoodbyeReason;
  switch (goodbye.reason) {
    case ended_by_customer:
    case ended_by_engineer:
    case normal: return 0;
    case auth_failed: return 11;
    case declined: return 12;
    case busy: return 14;
    case protocol_error:
    case version_mismatch: return 13;
    case timeout:
    case shutting_down: return 10;
  }
  return 10;
}

}  // namespace elfdesk::client
