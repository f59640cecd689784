#include "host/core/host_session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/resume_timing.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/probes/probe_wire.hpp"
#include "common/zstd_codec.hpp"
#include "host/core/session_info.hpp"
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

// The wire form of the capturer's layout: at most kMaxMonitors, in the capturer's order (MonitorSelect's
// index is the capturer's index).
MonitorList to_monitor_list(const MonitorLayout& layout) {
  MonitorList list;
  for (const Monitor& m : layout.monitors) {
    if (list.monitors.size() == limits::kMaxMonitors) break;
    list.monitors.push_back(MonitorInfo{m.name.empty() ? "screen" : m.name, static_cast<std::int16_t>(m.area.x),
                                        static_cast<std::int16_t>(m.area.y),
                                        static_cast<std::uint16_t>(std::clamp(m.area.width, 1, 65535)),
                                        static_cast<std::uint16_t>(std::clamp(m.area.height, 1, 65535)), m.primary});
  }
  list.selected = static_cast<std::int16_t>(layout.selected < static_cast<int>(list.monitors.size()) ? layout.selected : -1);
  return list;
}
// SO_MAX_PACING_RATE: Linux TCP then paces the socket's packets itself (no fq qdisc needed since 4.13),
// so a frame goes into the path at this rate instead of bursting into a shallow bottleneck buffer.
// Bytes per second; ~0U lifts it. Best effort: a relay's socketpair or an old kernel just ignores it.
void set_pacing_rate(Connection& conn, std::uint64_t bits_per_s) {
  const std::uint64_t bytes = bits_per_s / 8;
  const unsigned rate = bits_per_s == 0 || bytes >= std::numeric_limits<unsigned>::max()
                            ? std::numeric_limits<unsigned>::max()
                            : static_cast<unsigned>(bytes);
  ::setsockopt(conn.stream().next_layer().native_handle(), SOL_SOCKET, SO_MAX_PACING_RATE, &rate, sizeof rate);
}
}  // namespace

struct HostSession::Impl {
  std::shared_ptr<Connection> conn;
  SessionSetup setup;
  const HostOptions& options;
  AuditLog& audit;
  std::shared_ptr<const DesktopEnvironment> desktop;  // chosen once by the server; not null
  EncoderFactory make_encoder;                        // the streamer's; empty: VP8 made on demand
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
  Rect area{};                          // the shared screen, for the input of each connection
  ResumeTable* resumes;                 // null or closed: a lost connection ends the session
  ResumeTiming timing = resume_timing();
  std::shared_ptr<Connection> next_conn;  // handed over by resume(), taken by run()
  std::optional<asio::steady_timer> resume_wait;  // run() waits on it while the connection is down
  bool ended = false;                     // end() or a Goodbye: never resumes
  int resumes_done = 0;
  MonitorLayout shown;  // what the engineer sees now (the streamer's last report)

  Impl(std::shared_ptr<Connection> c, SessionSetup s, const HostOptions& o, AuditLog& a,
       std::shared_ptr<const DesktopEnvironment> d, ConsentUi* u, ResumeTable* r, EncoderFactory e)
      : conn(std::move(c)), setup(std::move(s)), options(o), audit(a), desktop(std::move(d)), make_encoder(std::move(e)),
        runner(make_runner(o)), remedies({setup.engineer_name, setup.peer, setup.permissions}, o, a, u, runner), ui(u),
        resumes(r) {
    make_connection_parts();
  }

  // Chat and transfers speak over one connection: made again for each (a transfer cut by a drop has failed).
  void make_connection_parts() {
    if ((setup.capabilities & capability::kPatchRecall) != 0) conn->allow_patch_recall();
    chat = std::make_shared<HostChat>(conn, ui, audit, setup.engineer_name);
    transfers = std::make_shared<HostTransfers>(TransferContext{conn, ui, &audit, &options, &runner, &probe_pool,
                                                                setup.engineer_name, setup.peer, setup.permissions});
  }

  // Sends to whichever connection the session has now; dropped while it is down.
  static void send_current(const std::weak_ptr<HostSession>& weak_session, Message message) {
    if (auto session = weak_session.lock(); session && session->impl_->conn)
      session->impl_->conn->send(std::move(message));
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
    shown = capturer->layout();
    area = shown.area;  // root coordinates: with --monitor, input lands on that monitor
    auto ex = conn->executor();
    auto post_send = [ex, owner = owner](auto message) {
      asio::post(ex, [owner, m = std::move(message)]() mutable { send_current(owner, Message(std::move(m))); });
    };
    StreamerCallbacks callbacks;
    callbacks.send_frame = [post_send](VideoFrame f) { post_send(std::move(f)); };
    callbacks.send_pixels = [post_send](PixelUpdate p) { post_send(std::move(p)); };
    if ((setup.capabilities & capability::kPixelPatch) != 0)
      callbacks.send_patch = [post_send](PixelPatch p) { post_send(std::move(p)); };
    if ((setup.capabilities & capability::kRegionStream) != 0)
      callbacks.send_region = [post_send](RegionFrame r) { post_send(std::move(r)); };
    if ((setup.capabilities & capability::kScaledFrame) != 0)
      callbacks.send_scaled = [post_send](ScaledFrame f) { post_send(std::move(f)); };
    callbacks.send_cursor_shape = [post_send](CursorShape s) { post_send(std::move(s)); };
    callbacks.send_cursor_position = [post_send](CursorPosition p) { post_send(p); };
    if (setup.capabilities & protocol::capability::kPathReport)
      callbacks.send_path_report = [post_send](PathReport r) { post_send(r); };
    callbacks.set_pacing_rate = [ex, owner = owner](std::uint64_t bits_per_s) {
      asio::post(ex, [owner, bits_per_s] {
        if (auto session = owner.lock(); session && session->impl_->conn)
          set_pacing_rate(*session->impl_->conn, bits_per_s);
      });
    };
    // The session ends with the reason, so the audit record and the engineer's Goodbye say why.
    callbacks.on_fatal = [ex, owner = owner, lost = desktop](const Error& e) {
      asio::post(ex, [owner, lost, e] {
        if (auto session = owner.lock())
          session->end(false, lost->lost() ? std::string(kDisplayClosedReason)
                                           : "the screen is no longer available: " + e.detail);
      });
    };
    callbacks.on_layout = [ex, owner = owner](const MonitorLayout& layout, StreamerCallbacks::LayoutCause cause,
                                              bool accepted) {
      asio::post(ex, [owner, layout, cause, accepted] {
        if (auto session = owner.lock()) session->impl_->on_layout(layout, cause, accepted);
      });
    };
    video = std::make_unique<VideoStreamer>(std::move(capturer), std::move(callbacks), SchedulerConfig{},
                                            StreamerParts{nullptr, make_encoder});
    video->start();
    input = std::make_unique<SessionInput>(*desktop, options, area, setup.permissions, audit, conn);
    return {};
  }

  // Network thread: input follows the shown area, the engineer gets the list (the answer to their
  // MonitorSelect, or the news of a change), and the audit log each switch and each fallback.
  void on_layout(const MonitorLayout& layout, StreamerCallbacks::LayoutCause cause, bool accepted) {
    using Cause = StreamerCallbacks::LayoutCause;
    if (input && layout.area != shown.area) input->set_screen_area(layout.area);
    area = layout.area;  // a resumed connection's input starts here
    const std::string choice = describe_choice(layout);
    if (cause == Cause::selected && !accepted) {
      log::warn("{} asked for a monitor that is not there; still showing {}", setup.engineer_name, choice);
    } else if (cause == Cause::selected && layout.selected != shown.selected) {
      log::info("engineer {} switched to monitor {}", setup.engineer_name, choice);
      audit.record("monitor_switch", {{"engineer", setup.engineer_name}, {"monitor", choice}, {"index", layout.selected},
                                      {"width", layout.area.width}, {"height", layout.area.height}, {"by", "engineer"}});
    } else if (cause == Cause::screen_changed && shown.selected >= 0 && layout.selected < 0) {
      log::info("the shown monitor went away: showing {}", choice);
      audit.record("monitor_switch", {{"engineer", setup.engineer_name}, {"monitor", choice}, {"index", -1},
                                      {"width", layout.area.width}, {"height", layout.area.height},
                                      {"by", "monitor removed"}});
    }
    shown = layout;
    if ((setup.capabilities & capability::kMonitors) != 0) conn->send(to_monitor_list(layout));
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
            ended = true;  // said goodbye: never resumable
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
          } else if constexpr (std::is_same_v<T, MonitorSelect>) {
            if (video && (setup.capabilities & capability::kMonitors) != 0) video->select_monitor(m.index);
          } else {
            log::warn("ignoring unexpected {} from {}", name_of(type_of(Message(m))), setup.peer);
          }
          return true;
        },
        message);
  }
};

HostSession::HostSession(std::shared_ptr<Connection> connection, SessionSetup setup, const HostOptions& options,
                         AuditLog& audit, std::shared_ptr<const DesktopEnvironment> desktop, ConsentUi* ui,
                         ResumeTable* resumes, EncoderFactory make_encoder)
    : impl_(std::make_unique<Impl>(std::move(connection), std::move(setup), options, audit, std::move(desktop), ui,
                                   resumes, std::move(make_encoder))) {}


HostSession::~HostSession() = default;

void HostSession::end(bool by_customer, std::string message) {
  auto& s = *impl_;
  if (s.end_reason.empty()) s.end_reason = by_customer ? "ended by the customer" : message;
  s.ended = true;
  if (s.resumes) s.resumes->close();  // from now on no resume, not even one already on its way
  if (s.resume_wait) s.resume_wait->cancel();
  s.conn->close(by_customer ? GoodbyeReason::ended_by_customer : GoodbyeReason::shutting_down, message);
}

void HostSession::resume(std::shared_ptr<Connection> connection, std::chrono::milliseconds gap) {
  auto& s = *impl_;
  s.audit.record("session_resumed", {{"engineer", s.setup.engineer_name}, {"peer", connection->peer()},
                                     {"after_s", static_cast<double>(gap.count()) / 1000.0},
                                     {"text", "resumed after " + seconds_text(gap)}});
  // The old connection may not have noticed the loss yet: it is replaced now.
  if (s.conn->is_open()) s.conn->fail(make_error(ErrorCode::closed, "replaced by the resumed connection"));
  s.next_conn = std::move(connection);
  if (s.resume_wait) s.resume_wait->cancel();
}

// The connection dropped without a Goodbye: release what the engineer held, tell the customer, and wait
// for resume() until the window closes or the session is ended. True when a new connection was attached.
asio::awaitable<bool> HostSession::wait_for_engineer(const Error& lost) {
  auto& s = *impl_;
  const std::string why = lost.code == ErrorCode::timeout ? dead_peer_text("the engineer", s.timing, true)
                                                          : lost.detail + "; waiting for the engineer to reconnect (up to " +
                                                                seconds_text(s.timing.window) + ")";
  if (!s.next_conn) {
    s.resumes->dropped();
    if (s.input) s.input->finish();  // held keys and buttons are released at once, not after the window
    s.chat->finish();
    s.transfers->finish();
    s.audit.record("connection_lost", {{"engineer", s.setup.engineer_name}, {"reason", lost.detail},
                                       {"resumable_for_s", static_cast<double>(s.timing.window.count()) / 1000.0}});
    log::warn("session: {}", why);
    std::printf("elfdesk-host: reconnecting: %s\n", why.c_str());
    std::fflush(stdout);
    if (s.ui) s.ui->show_activity("Reconnecting: " + why);
    s.resume_wait.emplace(s.conn->executor());
    if (auto deadline = s.resumes->deadline()) s.resume_wait->expires_at(*deadline);
    co_await s.resume_wait->async_wait(kTuple);
    s.resume_wait.reset();
  } else {
    if (s.input) s.input->finish();
    s.chat->finish();
    s.transfers->finish();
  }
  if (!s.next_conn || s.ended) co_return false;
  s.conn = std::move(s.next_conn);
  ++s.resumes_done;
  s.make_connection_parts();
  s.chat->start();
  if (s.video) {
    s.video->restart();
    s.input = std::make_unique<SessionInput>(*s.desktop, s.options, s.area, s.setup.permissions, s.audit, s.conn);
    if ((s.setup.capabilities & capability::kMonitors) != 0) s.conn->send(to_monitor_list(s.shown));
  }
  if (s.ui) s.ui->show_activity("Reconnected: the engineer is back");
  std::printf("elfdesk-host: session resumed\n");
  std::fflush(stdout);
  co_return true;
}

asio::awaitable<SessionSummary> HostSession::run() {
  auto self = shared_from_this();
  Impl& s = *impl_;
  s.owner = self;
  s.audit.record("session_start", {{"engineer", s.setup.engineer_name}, {"peer", s.setup.peer},
                                   {"permissions", s.setup.permissions}});
  // Only now, after authentication and consent: who and which machine (a resume needs it not again).
  if ((s.setup.capabilities & capability::kSessionInfo) != 0) {
    if (auto info = make_session_info(); !info.host_key.empty()) s.conn->send(std::move(info));
  }
  s.chat->start();
  if (auto ok = s.start_video(); !ok) {
    log::error("cannot share the screen: {}", ok.error().detail);
    s.end_reason = "cannot share the screen: " + ok.error().detail;
    s.conn->close(GoodbyeReason::shutting_down, s.end_reason);
  }
  while (s.conn->is_open()) {
    auto message = co_await s.conn->receive();
    if (!message) {
      // A connection closed cleanly without a Goodbye is the engineer's program gone (its kernel closed
      // the socket): nothing will resume it. Only a relay closes a link it carries (restarted), so there a
      // close is a drop too. Timeouts and resets are the network.
      const bool network = message.error().code != ErrorCode::closed || !s.options.relay_host.empty();
      const bool resumable = !s.ended && s.resumes && s.resumes->is_open() && (s.next_conn || network);
      if (resumable && co_await wait_for_engineer(message.error())) continue;
      const std::string lost = message.error().code == ErrorCode::timeout
                                   ? dead_peer_text("the engineer", s.timing, false)
                                   : "connection lost: " + message.error().detail;
      if (s.end_reason.empty())
        s.end_reason = !resumable ? (message.error().code == ErrorCode::timeout ? "connection lost: " + lost : lost)
                                  : "the engineer did not come back within " + seconds_text(s.timing.window) + " (" +
                                        lost + ")";
      break;
    }
    if (!s.dispatch(*message)) {
      s.conn->close(GoodbyeReason::normal, "");
      break;
    }
  }
  if (s.resumes) s.resumes->close();
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
                                 {"frames", s.video ? s.video->frames_sent() : 0}, {"resumes", s.resumes_done}});
  co_return summary;
}

}  // namespace elfdesk::host
