#include "host/core/host_session.hpp"

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/probes/probe_wire.hpp"
#include "common/zstd_codec.hpp"
#include "host/core/session_input.hpp"
#include "host/pipeline/video_streamer.hpp"
#include "host/remedies/host_remedies.hpp"
#include "host/transfer/host_chat.hpp"
#include "host/transfer/host_transfers.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {
using namespace protocol;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace

struct HostSession::Impl {
  std::shared_ptr<Connection> conn;
  SessionSetup setup;
  const HostOptions& options;
  AuditLog& audit;
  std::shared_ptr<const DesktopEnvironment> desktop;  // chosen once by the server; not null
  std::unique_ptr<VideoStreamer> video;
  std::unique_ptr<SessionInput> input;
  probes::ProbeRunner runner;
  HostRemedies remedies;  // uses `runner` (before/after) and runs on `probe_pool`
  asio::thread_pool probe_pool{2};
  std::string end_reason;
  std::weak_ptr<HostSession> owner;  // set by run(): the streamer's fatal error ends the session
  ConsentUi* ui;
  std::shared_ptr<HostChat> chat;
  std::shared_ptr<HostTransfers> transfers;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  Impl(std::shared_ptr<Connection> c, SessionSetup s, const HostOptions& o, AuditLog& a,
       std::shared_ptr<const DesktopEnvironment> d, ConsentUi* u)
      : conn(std::move(c)), setup(std::move(s)), options(o), audit(a), desktop(std::move(d)), runner(make_runner(o)),
        remedies({setup.engineer_name, setup.peer, setup.permissions}, o, a, u, runner), ui(u) {
    chat = std::make_shared<HostChat>(conn, ui, audit, setup.engineer_name);
    transfers = std::make_shared<HostTransfers>(TransferContext{conn, ui, &audit, &options, &runner, &probe_pool,
                                                                setup.engineer_name, setup.peer, setup.permissions});
  }

  static probes::ProbeRunner make_runner(const HostOptions& o) {
    probes::ProbeContext context;
    context.display = o.display;
    context.allow_local_targets = o.allow_local_net_checks;  // the customer's choice (issue 11)
    return probes::ProbeRunner(probes::builtin_registry(), context);
  }

  bool allowed(std::uint32_t permission) const { return (setup.permissions & permission) != 0; }

  std::expected<void, Error> start_video() {
    if (!allowed(permission::kView)) return {};
    auto made = desktop->make_capturer();
    if (!made) return std::unexpected(made.error());
    std::unique_ptr<ScreenCapturer> capturer = std::move(*made);
    const Rect area{0, 0, capturer->width(), capturer->height()};
    auto ex = conn->executor();
    std::weak_ptr<Connection> weak = conn;
    auto post_send = [ex, weak](auto message) {
      asio::post(ex, [weak, m = std::move(message)]() mutable {
        if (auto c = weak.lock()) c->send(std::move(m));
      });
    };
    StreamerCallbacks callbacks;
    callbacks.send_frame = [post_send](VideoFrame f) { post_send(std::move(f)); };
    callbacks.send_pixels = [post_send](PixelUpdate p) { post_send(std::move(p)); };
    callbacks.send_cursor_shape = [post_send](CursorShape s) { post_send(std::move(s)); };
    callbacks.send_cursor_position = [post_send](CursorPosition p) { post_send(p); };
    if (setup.capabilities & protocol::capability::kPathReport)
      callbacks.send_path_report = [post_send](PathReport r) { post_send(r); };
    // The session ends with the reason, so the audit record and the engineer's Goodbye say why.
    callbacks.on_fatal = [ex, owner = owner, lost = desktop](const Error& e) {
      asio::post(ex, [owner, lost, e] {
        if (auto session = owner.lock())
          session->end(false, lost->lost() ? std::string(kDisplayClosedReason)
                                           : "the screen is no longer available: " + e.detail);
      });
    };
    video = std::make_unique<VideoStreamer>(std::move(capturer), std::move(callbacks));
    video->start();
    input = std::make_unique<SessionInput>(*desktop, options, area, setup.permissions, audit, conn);
    return {};
  }

  void run_probe(ProbeRequest request) {
    std::weak_ptr<Connection> weak = conn;
    asio::post(probe_pool, [this, weak, call = probes::invocation_from_request(request), id = request.request_id]() {
      auto report = runner.run(call);
      ProbeResult result = report ? probes::make_probe_result(id, *report)
                                  : probes::make_rejected_result(id, report.error().detail);
      audit.record("probe", {{"engineer", setup.engineer_name}, {"probe", call.name},
                             {"args", nlohmann::json(call.args.items)},
                             {"result", report ? "ok" : "rejected"},
                             {"worst_severity", report ? std::string(probes::to_string(report->worst)) : "unknown"},
                             {"detail", report ? "" : report.error().detail}});
      if (auto c = weak.lock()) asio::post(c->executor(), [c, r = std::move(result)] { c->send(r); });
    });
  }

  // Returns false when the session is over.
  bool dispatch(Message& message) {
    return std::visit(
        [&](auto& m) -> bool {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, FrameAck>) {
            if (video) video->on_ack(m);
          } else if constexpr (std::is_same_v<T, KeyframeRequest>) {
            if (video) video->request_keyframe();
          } else if constexpr (std::is_same_v<T, KeyEvent> || std::is_same_v<T, TextInput> ||
                               std::is_same_v<T, PointerEvent> || std::is_same_v<T, protocol::Clipboard>) {
            if (input) input->handle(m);
          } else if constexpr (std::is_same_v<T, ProbeRequest>) {
            if (allowed(permission::kProbes)) {
              run_probe(std::move(m));
            } else {
              conn->send(probes::make_rejected_result(m.request_id, "probes were not granted"));
            }
          } else if constexpr (std::is_same_v<T, RemedyRequest>) {
            remedies.handle(m, probe_pool, conn);  // checks the permission; runs on the pool
          } else if constexpr (std::is_same_v<T, Goodbye>) {
            // When we ended the session, the engineer's answering Goodbye must not rewrite the reason.
            if (end_reason.empty())
              end_reason = m.reason == GoodbyeReason::ended_by_engineer || m.reason == GoodbyeReason::normal
                               ? "ended by the engineer"
                               : "engineer left: " + m.message;
            return false;
          } else if constexpr (std::is_same_v<T, Chat>) {
            chat->from_engineer(m);
          } else if constexpr (std::is_same_v<T, TransferControl> || std::is_same_v<T, BulkChunk>) {
            transfers->handle(m);
          } else {
            log::warn("ignoring unexpected {} from {}", name_of(type_of(Message(m))), setup.peer);
          }
          return true;
        },
        message);
  }
};

HostSession::HostSession(std::shared_ptr<Connection> connection, SessionSetup setup, const HostOptions& options,
                         AuditLog& audit, std::shared_ptr<const DesktopEnvironment> desktop, ConsentUi* ui)
    : impl_(std::make_unique<Impl>(std::move(connection), std::move(setup), options, audit, std::move(desktop), ui)) {}


HostSession::~HostSession() = default;

void HostSession::end(bool by_customer, std::string message) {
  if (impl_->end_reason.empty()) impl_->end_reason = by_customer ? "ended by the customer" : message;
  impl_->conn->close(by_customer ? GoodbyeReason::ended_by_customer : GoodbyeReason::shutting_down, message);
}

asio::awaitable<SessionSummary> HostSession::run() {
  auto self = shared_from_this();
  Impl& s = *impl_;
  s.owner = self;
  s.audit.record("session_start", {{"engineer", s.setup.engineer_name}, {"peer", s.setup.peer},
                                   {"permissions", s.setup.permissions}});
  s.chat->start();
  if (auto ok = s.start_video(); !ok) {
    log::error("cannot share the screen: {}", ok.error().detail);
    s.end_reason = "cannot share the screen: " + ok.error().detail;
    s.conn->close(GoodbyeReason::shutting_down, s.end_reason);
  }
  while (s.conn->is_open()) {
    auto message = co_await s.conn->receive();
    if (!message) {
      if (s.end_reason.empty()) s.end_reason = "connection lost: " + message.error().detail;
      break;
    }
    if (!s.dispatch(*message)) {
      s.conn->close(GoodbyeReason::normal, "");
      break;
    }
  }
  if (s.video) s.video->stop();
  if (s.input) s.input->finish();
  s.chat->finish();
  s.transfers->finish();
  // Probes still running answer "cancelled" at once and finish in the background: joining the pool must
  // not hold the network thread for a probe's time limit (up to a minute).
  s.runner.cancel_all("cancelled: the session ended");
  s.remedies.cancel_all();
  s.probe_pool.stop();
  s.probe_pool.join();
  SessionSummary summary{s.end_reason,
                         std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - s.started),
                         s.conn->bytes_sent(), s.conn->bytes_received()};
  s.audit.record("session_end", {{"engineer", s.setup.engineer_name}, {"peer", s.setup.peer},
                                 {"reason", summary.end_reason}, {"duration_s", static_cast<double>(summary.duration.count()) / 1000.0},
                                 {"bytes_sent", summary.bytes_sent}, {"bytes_received", summary.bytes_received},
                                 {"frames", s.video ? s.video->frames_sent() : 0}});
  co_return summary;
}

}  // namespace elfdesk::host
