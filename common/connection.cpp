#include "common/connection.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"
#include "protocol/message_rules.hpp"

namespace elfdesk {
namespace {

using asio::use_awaitable;
constexpr auto kTuple = asio::experimental::as_tuple(use_awaitable);
bool is_picture(const protocol::Message& message) {
  return std::holds_alternative<protocol::VideoFrame>(message) || std::holds_alternative<protocol::PixelUpdate>(message) ||
         std::holds_alternative<protocol::PixelPatch>(message) || std::holds_alternative<protocol::RegionFrame>(message) ||
         std::holds_alternative<protocol::ScaledFrame>(message);
}

// How long a picture update waited between the end of its encoding and now (its write), from its own
// fields; capture_time_us is monotonic_us() at the start of the capture. Clamped at 0.
void stamp_queue_time(protocol::Message& picture, std::uint64_t now_us) {
  std::visit(
      [now_us](auto& m) {
        if constexpr (requires { m.timings; m.capture_time_us; }) {
          const std::uint64_t ready = m.capture_time_us + m.timings.capture_us + m.timings.encode_us;
          const std::uint64_t waited = now_us > ready ? now_us - ready : 0;
          m.timings.queue_us = static_cast<std::uint32_t>(std::min<std::uint64_t>(waited, UINT32_MAX));
        }
      },
      picture);
}

Error io_error(const char* what, const asio::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    return make_error(ErrorCode::closed, std::string("connection closed by peer while ") + what);
  return make_error(ErrorCode::io, std::string(what) + ": " + ec.message());
}

std::string describe(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

std::shared_ptr<Connection> Connection::make(TransportLink link, asio::ssl::context& tls,
                                             ConnectionTimeouts timeouts) {
  auto conn = std::make_shared<Connection>(std::move(link), tls, timeouts);
  conn->spawn_loop(&Connection::watchdog);
  return conn;
}

Connection::Connection(TransportLink link, asio::ssl::context& tls, ConnectionTimeouts timeouts)
    : stream_(std::move(link.stream), tls),
      timeouts_(timeouts),
      peer_(std::move(link.peer)),
      peer_address_(std::move(link.address)),
      write_signal_(stream_.get_executor()),
      bulk_room_(stream_.get_executor()),
      watchdog_timer_(stream_.get_executor()),
      keepalive_timer_(stream_.get_executor()) {
  write_signal_.expires_at(Clock::time_point::max());
  bulk_room_.expires_at(Clock::time_point::max());
}

Connection::~Connection() = default;

void Connection::arm(Clock::time_point& deadline, std::chrono::milliseconds timeout) {
  deadline = Clock::now() + timeout;
  if (deadline < watchdog_timer_.expiry()) watchdog_timer_.cancel();  // watchdog re-reads deadlines
}

// The detached loops keep the connection alive through one member rather than each holding a copy:
// self_ is set while any loop runs and dropped (posted) once the last one has finished.
void Connection::spawn_loop(asio::awaitable<void> (Connection::*loop)()) {
  if (loops_running_++ == 0) self_ = shared_from_this();
  // The loops are no-throw (as_tuple everywhere); should one throw anyway (bad_alloc), the connection
  // fails with the reason instead of the exception leaving the network thread.
  asio::co_spawn(executor(), (this->*loop)(), [this](std::exception_ptr failure) {
    if (failure) fail(make_error(ErrorCode::internal, "connection loop failed: " + describe(failure)));
    if (--loops_running_ == 0) asio::post(executor(), [keep = std::move(self_)] {});
  });
}

asio::awaitable<void> Connection::watchdog() {
  while (is_open()) {
    watchdog_timer_.expires_at(std::min(read_deadline_, write_deadline_));
    co_await watchdog_timer_.async_wait(kTuple);
    if (!is_open()) break;
    const auto now = Clock::now();
    if (now >= read_deadline_)
      fail(make_error(ErrorCode::timeout, std::string("peer sent nothing in time while ") + read_what_));
    else if (now >= write_deadline_)
      fail(make_error(ErrorCode::timeout, "peer is not reading (write deadline expired)"));
  }
}

asio::awaitable<std::expected<void, Error>> Connection::handshake(TlsRole role) {
  auto self = shared_from_this();
  read_what_ = "in the TLS handshake";
  arm(read_deadline_, timeouts_.handshake);
  const auto type = role == TlsRole::client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
  auto [ec] = co_await stream_.async_handshake(type, kTuple);
  disarm(read_deadline_);
  if (!is_open()) co_return std::unexpected(*error_);
  if (ec) {
    fail(make_error(ErrorCode::tls, "TLS handshake with " + peer_ + " failed: " + ec.message()));
    co_return std::unexpected(*error_);
  }
  co_return std::expected<void, Error>{};
}

void Connection::start() {
  if (started_ || !is_open()) return;
  started_ = true;
  spawn_loop(&Connection::writer);
  spawn_loop(&Connection::keepalive);
}

std::expected<std::optional<protocol::Message>, Error> Connection::next_buffered() {
  while (true) {
    auto frame = decoder_.next();
    if (!frame) return std::unexpected(frame.error());
    if (!*frame) return std::optional<protocol::Message>{};
    auto message = protocol::decode_frame(**frame, read_picture_);
    if (!message) {
      if (message.error().code == ErrorCode::unknown_type) {
        log::debug("skipping unknown message type {} from {}", (*frame)->type, peer_);
        continue;
      }
      return std::unexpected(message.error());
    }
    if (auto* ping = std::get_if<protocol::Ping>(&*message)) {
      // Before authentication a peer that pings without reading gets one answer, not a queue of them.
      if (authenticated_ || lanes_.pongs_queued() == 0) {
        if (auto pong = protocol::encode_frame(protocol::Pong{ping->nonce, ping->sent_us}); pong && is_open() && !closing_) {
          if (!lanes_.push_control(std::move(*pong), true)) {
            fail(make_error(ErrorCode::timeout, "peer is not reading: send queue overflow"));
            return std::unexpected(*error_);
          }
          write_signal_.cancel();
        }
      }
      continue;
    }
    if (auto* pong = std::get_if<protocol::Pong>(&*message)) {
      rtt_ = std::chrono::microseconds(monotonic_us() - pong->sent_us);
      continue;
    }
    read_picture_.note(*message);
    return std::optional<protocol::Message>{std::move(*message)};
  }
}

asio::awaitable<std::expected<protocol::Message, Error>> Connection::receive(std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  std::array<std::uint8_t, 64 * 1024> buffer;
  while (is_open()) {
    auto buffered = next_buffered();
    if (!buffered) {
      fail(make_error(ErrorCode::malformed, "protocol error from " + peer_ + ": " + buffered.error().detail));
      break;
    }
    if (*buffered) co_return std::move(**buffered);
    read_what_ = "waiting for a message";
    arm(read_deadline_, timeout);
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), kTuple);
    disarm(read_deadline_);
    if (!is_open()) break;
    if (ec) {
      fail(io_error("reading", ec));
      break;
    }
    bytes_received_ += n;
    decoder_.feed(std::span<const std::uint8_t>(buffer.data(), n));
  }
  co_return std::unexpected(*error_);
}

bool Connection::send(const protocol::Message& message) {
  return is_picture(message) ? queue_picture(protocol::Message(message)) : queue_encoded(message);
}

bool Connection::send(protocol::Message&& message) {
  return is_picture(message) ? queue_picture(std::move(message)) : queue_encoded(message);
}

// Picture updates share one queue: the viewer composes them in the order the host made them, so a
// small PixelUpdate must never overtake a VideoFrame queued before it. They are encoded when written.
bool Connection::queue_picture(protocol::Message picture) {
  if (!is_open() || closing_) return false;
  if (auto broken = protocol::broken_rule(picture)) {  // what encoding would refuse, without encoding
    log::error("cannot send {} to {}: {}", protocol::name_of(protocol::type_of(picture)), peer_, broken->detail);
    return false;
  }
  if (!lanes_.push_picture(std::move(picture))) return false;  // the scheduler should never get here
  write_signal_.cancel();
  return true;
}

bool Connection::queue_encoded(const protocol::Message& message) {
  if (!is_open() || closing_) return false;
  auto bytes = protocol::encode_frame(message);
  if (!bytes) {
    log::error("cannot encode {} for {}: {}", protocol::name_of(protocol::type_of(message)), peer_,
               bytes.error().detail);
    return false;
  }
  if (std::holds_alternative<protocol::BulkChunk>(message)) {
    if (!authenticated_ || !lanes_.bulk_has_room(bytes->size())) return false;
    lanes_.push_bulk(std::move(*bytes));
  } else if (!lanes_.push_control(std::move(*bytes))) {
    fail(make_error(ErrorCode::timeout, "peer is not reading: send queue overflow"));
    return false;
  }
  write_signal_.cancel();
  return true;
}

asio::awaitable<std::expected<void, Error>> Connection::send_bulk(protocol::BulkChunk chunk) {
  auto self = shared_from_this();
  auto bytes = protocol::encode_frame(chunk);
  if (!bytes) co_return std::unexpected(bytes.error());
  // Every waiting producer wakes when a chunk leaves and checks again; the timer itself is never
  // re-armed here, so two producers cannot cancel each other's wait.
  while (is_open() && !closing_ && authenticated_ && !lanes_.bulk_has_room(bytes->size()))
    co_await bulk_room_.async_wait(kTuple);
  if (!is_open()) co_return std::unexpected(*error_);
  if (closing_ || !authenticated_)
    co_return std::unexpected(make_error(closing_ ? ErrorCode::closed : ErrorCode::invalid_argument,
                                         closing_ ? "connection closing" : "bulk data before authentication"));
  lanes_.push_bulk(std::move(*bytes));
  write_signal_.cancel();
  co_return std::expected<void, Error>{};
}

void Connection::set_authenticated() {
  authenticated_ = true;
  lanes_.set_caps(kAuthenticatedCaps);
}

void Connection::close(protocol::GoodbyeReason reason, std::string message) {
  if (!is_open() || closing_) return;
  if (!started_) start();
  send(protocol::Goodbye{reason, std::move(message)});
  closing_ = true;
  lanes_.clear_media();  // Goodbye goes last: no picture or bulk data after it
  write_signal_.cancel();
  bulk_room_.cancel();
  keepalive_timer_.cancel();
}

// Fills in queue_us now, as the update is about to be written, and encodes it. False: drop it.
bool Connection::encode_picture(Outgoing& out) {
  stamp_queue_time(*out.picture, monotonic_us());
  auto bytes = protocol::encode_frame(*out.picture, written_picture_);
  if (!bytes) {
    log::error("cannot encode {} for {}: {}", protocol::name_of(protocol::type_of(*out.picture)), peer_,
               bytes.error().detail);
    return false;
  }
  written_picture_.note(*out.picture);
  out.bytes = std::move(*bytes);
  out.picture.reset();
  return true;
}

// One message per write, so a waiting control message is next after at most one picture update or one
// bulk chunk (and what the transport lets the kernel hold unsent, see transport.cpp).
asio::awaitable<void> Connection::writer() {
  while (is_open()) {
    auto out = lanes_.pop();
    if (!out) {
      if (closing_) break;
      write_signal_.expires_at(Clock::time_point::max());
      co_await write_signal_.async_wait(kTuple);
      continue;
    }
    if (out->lane == Lane::bulk) bulk_room_.cancel();
    if (out->picture && !encode_picture(*out)) continue;
    arm(write_deadline_, timeouts_.write);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out->bytes), kTuple);
    disarm(write_deadline_);
    if (!is_open()) co_return;
    if (ec) {
      fail(io_error("writing", ec));
      co_return;
    }
    bytes_sent_ += n;
  }
  if (closing_ && is_open()) {
    log::debug("connection {}: queue flushed, closing TLS", peer_);
    arm(write_deadline_, std::chrono::milliseconds(2000));
    co_await stream_.async_shutdown(kTuple);  // close_notify; the peer may already be gone
    disarm(write_deadline_);
    fail(make_error(ErrorCode::closed, "connection closed"));
  }
}

asio::awaitable<void> Connection::keepalive() {
  while (is_open() && !closing_) {
    keepalive_timer_.expires_after(timeouts_.keepalive);
    co_await keepalive_timer_.async_wait(kTuple);
    if (!is_open() || closing_) break;
    send(protocol::Ping{++ping_nonce_, monotonic_us()});
  }
}

void Connection::fail(Error error) {
  if (error_) return;
  log::debug("connection {} ends: {}", peer_, error.detail);
  error_ = std::move(error);
  asio::error_code ignored;
  stream_.next_layer().shutdown(ByteStream::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
  write_signal_.cancel();
  bulk_room_.cancel();
  watchdog_timer_.cancel();
  keepalive_timer_.cancel();
  lanes_.clear();
  if (on_closed_) {
    auto callback = std::move(on_closed_);
    on_closed_ = nullptr;
    asio::post(executor(), [callback, e = *error_, self = shared_from_this()] { callback(e); });
  }
}

}  // namespace elfdesk
