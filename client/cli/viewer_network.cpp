#include "client/cli/viewer_network.hpp"

#include <cstdio>
#include <exception>
#include <utility>

#include "client/cli/remote_command.hpp"
#include "client/core/tls_setup.hpp"
#include "common/transport.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

// How the end of a connection that went away without a Goodbye reads to the engineer.
std::string lost_text(const Error& lost) { return "the connection to the host was lost (" + lost.detail + ")"; }

// The line the window shows in state `s`, before there is a picture.
std::string status_text(SessionState s, const EngineerOptions& o) {
  const std::string where = o.host + ":" + std::to_string(o.port);
  switch (s) {
    case SessionState::connecting:
      return (o.via_relay ? "Connecting through the relay " : "Connecting to ") + where + "...";
    case SessionState::waiting_for_host: return "Waiting for the host to connect to " + where + "...";
    case SessionState::authenticating:
      return o.via_relay ? "Checking the code with the customer's computer..." : "Checking the code with " + where + "...";
    case SessionState::waiting_for_customer: return "Waiting for the customer to allow access...";
    case SessionState::connected: return "";
  }
  return "";
}

// The control socket's form of a MonitorList (docs/protocol.md, "Monitors").
nlohmann::json monitors_json(const protocol::MonitorList& list) {
  nlohmann::json monitors = nlohmann::json::array();
  for (std::size_t i = 0; i < list.monitors.size(); ++i) {
    const auto& m = list.monitors[i];
    monitors.push_back({{"index", i}, {"name", m.name}, {"x", m.x}, {"y", m.y}, {"width", m.width},
                        {"height", m.height}, {"primary", m.primary}});
  }
  return nlohmann::json{{"monitors", std::move(monitors)}, {"selected", list.selected}};
}

// `{"stats": true}` on the control socket: the same figures as the stats overlay; `path` is null until the
// host sent a PathReport (an older host never does).
nlohmann::json stats_json(const SessionStats& s) {
  nlohmann::json out{{"bytes", s.bytes.load()},
                     {"pictures", s.pictures.load()},
                     {"round_trip_ms", static_cast<double>(s.round_trip_us.load()) / 1000.0},
                     {"latency_ms", static_cast<double>(s.latency_us.load()) / 1000.0},
                     {"path", nullptr}};
  if (s.path_reports.load() == 0) return out;
  out["path"] = nlohmann::json{{"reports", s.path_reports.load()},
                               {"min_rtt_ms", static_cast<double>(s.path_min_rtt_us.load()) / 1000.0},
                               {"delivery_kbps", s.path_delivery_kbps.load()},
                               {"target_kbps", s.path_target_kbps.load()},
                               {"queue_ms", static_cast<double>(s.path_queue_us.load()) / 1000.0},
                               {"bytes_in_flight", s.path_bytes_in_flight.load()},
                               {"frames_in_flight", s.path_frames_in_flight.load()}};
  return out;
}

}  // namespace

ViewerNetwork::ViewerNetwork(asio::io_context& io, EngineerOptions options, ViewerShared& shared,
                             std::function<void()> stop_window, ControlSocketServer* control)
    : io_(io),
      options_(std::move(options)),
      shared_(shared),
      stop_window_(std::move(stop_window)),
      control_(control),
      work_(asio::make_work_guard(io)) {
  options_.capabilities |= protocol::capability::kResume;
  options_.timeouts = with_dead_peer(options_.timeouts, timing_);
  options_.on_state = [this](SessionState s) {
    shared_.mailbox.post([this, s, text = status_text(s, options_)] {
      shared_.state = describe(s);
      shared_.status = text;
    });
  };
}

ViewerNetwork::~ViewerNetwork() { finish(); }

void ViewerNetwork::start() {
  thread_ = std::thread([this] { run(); });
}

// Network thread. Nothing may escape it (std::terminate): start-up failures end the viewer with one line.
void ViewerNetwork::run() {
  auto tls = engineer_tls_context();
  if (!tls) {
    std::fprintf(stderr, "elfdesk: %s\n", tls.error().detail.c_str());
    return end(1);
  }
  try {
    asio::co_spawn(io_, session(*tls), asio::detached);
    io_.run();
  } catch (const std::exception& e) {  // a bug, not an expected error: still one clear line and an exit code
    std::fprintf(stderr, "elfdesk: internal error on the network thread: %s\n", e.what());
    end(1);
  }
}

void ViewerNetwork::end(int exit_code, const std::string& why) {
  exit_code_ = exit_code;
  if (!why.empty()) {
    std::fprintf(stderr, "elfdesk: session ended: %s\n", why.c_str());
    shared_.mailbox.post([this, why] {
      shared_.state = "ended: " + why;
      shared_.status = "Session ended: " + why;
    });
  }
  if (control_) control_->stop("the viewer's session ended");
  stop_window_();
}

asio::awaitable<void> ViewerNetwork::session(asio::ssl::context& tls) {
  auto session = co_await open_engineer_session(tls, options_);
  if (!session) {
    // A host killed right after the customer said yes, before the viewer had the whole answer, closes
    // the connection without a Goodbye: as lost as it would be a moment later.
    const Error& error = session.error();
    end(exit_code_for(error), error.code == ErrorCode::closed ? lost_text(error) : error.detail);
    co_return;
  }
  const bool control = (session->granted & protocol::permission::kControl) != 0;
  const bool info_due = (session->host.capabilities & protocol::capability::kSessionInfo) != 0;
  shared_.mailbox.post([this, name = session->host.hello.name, control, granted = session->granted, info_due] {
    shared_.host_name = name;
    shared_.host_info_due = info_due && shared_.host_key.empty();
    shared_.connected = true;
    shared_.granted = granted;
    shared_.state = control ? "connected" : "connected (view only)";
  });
  const auto connection = session->connection;
  auto core = SessionCore::create(std::move(*session), SessionLinks{&shared_.mailbox, &shared_.stats, nullptr});
  if (!core) {
    std::fprintf(stderr, "elfdesk: %s\n", core.error().detail.c_str());
    connection->close(protocol::GoodbyeReason::ended_by_engineer, "");
    end(1);
    co_return;
  }
  core_ = std::move(*core);
  // The window was closed while the session was being opened (finish() found no core to close): close
  // it now, or the session would run on with nobody watching and the viewer would never exit.
  if (closing_) core_->close("the viewer was closed");
  start_chat();
  core_->set_on_monitors([this](const protocol::MonitorList& list) { on_monitors(list); });
  core_->set_on_session_info([this](const protocol::SessionInfo& info) {
    shared_.mailbox.post([this, info] {
      shared_.host_who = info.user.empty() ? info.machine : info.user + "@" + info.machine;
      shared_.host_key = info.host_key;
      shared_.host_info_due = false;
    });
  });
  if (control_) {
    control_->start([this](const probes::ProbeInvocation& call, ControlSocketServer::ProbeAnswer answer) {
      core_->probes().call(call, std::move(answer));
    },
                    [this](const nlohmann::json& request, std::function<void(ControlSocketServer::OtherReply)> reply) {
                      control_request(request, std::move(reply));
                    });
  }
  co_await stream(tls);
}

void ViewerNetwork::show_state(std::string state, std::string status) {
  shared_.mailbox.post([this, state = std::move(state), status = std::move(status)] {
    shared_.state = state;
    shared_.status = status;
  });
}

// Tries again every second (each try bounded by what is left of the window) until the host answers. A
// refusal (the customer ended the session meanwhile, or the window passed on the host) ends at once.
asio::awaitable<std::optional<std::string>> ViewerNetwork::reconnect(asio::ssl::context& tls, const Error& lost) {
  using Clock = std::chrono::steady_clock;
  // Through the relay, an end without a Goodbye is the relay's doing: it restarted or dropped us.
  const std::string why = lost.code == ErrorCode::timeout ? dead_peer_text("the host", timing_, true)
                          : options_.via_relay && lost.code == ErrorCode::closed
                              ? "the relay closed the connection (it may have restarted); trying to reconnect (up to " +
                                    seconds_text(timing_.window) + ")"
                              : lost_text(lost) + "; trying to reconnect (up to " + seconds_text(timing_.window) + ")";
  std::fprintf(stderr, "elfdesk: %s\n", why.c_str());
  core_->connection_lost(why);
  show_state("reconnecting...", "Reconnecting... " + why);
  const auto started = Clock::now();
  const auto deadline = started + timing_.window;
  EngineerOptions o = options_;
  o.on_state = nullptr;  // the window keeps saying "reconnecting...", not "connecting to"
  o.on_listening = nullptr;
  asio::steady_timer pause(io_);
  while (!closing_ && Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    o.timeouts.connect = std::min(options_.timeouts.connect, left);
    o.timeouts.handshake = std::min(options_.timeouts.handshake, left);
    auto conn = co_await resume_engineer_session(tls, o, *core_->resume_secret());
    if (conn) {
      core_->resume_on(std::move(*conn));
      const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      std::fprintf(stderr, "elfdesk: reconnected: the session resumed after %s\n", seconds_text(gap).c_str());
      show_state((core_->session().granted & protocol::permission::kControl) ? "connected" : "connected (view only)", "");
      co_return std::nullopt;
    }
    if (conn.error().code == ErrorCode::auth_failed) co_return "the host did not resume the session: " + conn.error().detail;
    // A killed host's socket may close with a reset (unread bytes), which looks like the network; but a
    // dial refused at its address means elfdesk-host is not running there any more: nothing can resume.
    if (!options_.via_relay && !options_.listen && is_refused(conn.error()))
      co_return lost_text(lost) + " and " + conn.error().detail + ": elfdesk-host has ended";
    pause.expires_after(std::min<Clock::duration>(std::chrono::seconds(1), deadline - Clock::now()));
    co_await pause.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  if (closing_) co_return std::string();
  co_return "could not reconnect to the host within " + seconds_text(timing_.window) + " (" + lost.detail + ")";
}

// Pictures to the main thread until the session ends, then end() with the exit code and the reason.
asio::awaitable<void> ViewerNetwork::stream(asio::ssl::context& tls) {
  while (true) {
    auto event = co_await core_->next();
    if (!event) {
      if (core_->closed_by_us()) co_return end(0);  // the window was closed
      // A clean close without a Goodbye is the host program gone, except through the relay (restarted).
      const bool network = event.error().code != ErrorCode::closed || options_.via_relay;
      if (core_->resume_secret() && !closing_ && network) {
        auto ended = co_await reconnect(tls, event.error());
        if (!ended) continue;
        if (ended->empty()) co_return end(0);  // the window was closed while reconnecting
        co_return end(10, *ended);
      }
      // The host vanished (killed, network down): "closed by peer" is no goodbye, and never a success.
      co_return end(exit_code_for(event.error()), lost_text(event.error()));
    }
    // The host answers the engineer's own Goodbye with one: that is no news ("ended by the host" was wrong).
    if (event->goodbye && core_->closed_by_us()) co_return end(0);
    if (event->goodbye) co_return end(exit_code_for_goodbye(*event->goodbye), describe_goodbye(*event->goodbye));
    // A full queue means the main thread is stuck or far behind: it was emptied; start over from a keyframe.
    if (event->picture && !shared_.updates.put(std::move(*event->picture))) core_->request_keyframe();
  }
}

void ViewerNetwork::start_chat() {
  core_->chat().set_on_line([this](const transfer::ChatLine& line) {
    shared_.mailbox.post([this, text = transfer::format_chat_line(line)] { shared_.chat_lines.push_back(text); });
  });
  if (transcript_.empty()) return;
  if (auto ok = core_->chat().set_transcript_file(transcript_); !ok)
    std::fprintf(stderr, "elfdesk view: no transcript: %s\n", ok.error().detail.c_str());
}

void ViewerNetwork::on_monitors(const protocol::MonitorList& list) {
  shared_.mailbox.post([this, list] { shared_.monitors = list; });
  if (auto wanted = std::exchange(start_monitor_, std::nullopt); wanted && *wanted != list.selected) {
    if (*wanted >= static_cast<int>(list.monitors.size()))
      std::fprintf(stderr, "elfdesk view: the host has no monitor %d (it has %zu); showing what it shows\n", *wanted,
                   list.monitors.size());
    else
      core_->send(protocol::MonitorSelect{static_cast<std::int16_t>(*wanted)});
  }
  for (auto& reply : std::exchange(monitor_replies_, {})) reply(monitors_json(list));
}

// {"monitors": true}: the newest list. {"monitor": N | "all"}: asks the host to show N (-1 or "all": every
// monitor) and answers with the host's answer, the new list (an index the host no longer has leaves the
// choice as it was: "selected" says what is shown).
void ViewerNetwork::monitor_request(const nlohmann::json& request,
                                    std::function<void(ControlSocketServer::OtherReply)> reply) {
  using Failure = std::unexpected<std::pair<std::string, int>>;
  if (!core_->monitors())
    return reply(Failure({"the host sent no monitor list (it predates monitor choice, or shares no picture)", 4}));
  if (request.contains("monitors")) return reply(monitors_json(*core_->monitors()));
  const auto& wanted = request["monitor"];
  int index = -2;
  if (wanted.is_string() && wanted.get<std::string>() == "all") index = -1;
  if (wanted.is_number_integer()) index = wanted.get<int>();
  if (index < -1 || index >= static_cast<int>(limits::kMaxMonitors))
    return reply(Failure({"\"monitor\" takes a monitor index from 0, or \"all\"", 2}));
  monitor_replies_.push_back(std::move(reply));
  core_->send(protocol::MonitorSelect{static_cast<std::int16_t>(index)});
}

void ViewerNetwork::control_request(const nlohmann::json& request,
                                    std::function<void(ControlSocketServer::OtherReply)> reply) {
  using Failure = std::unexpected<std::pair<std::string, int>>;
  auto text = [&](const char* key) { return request.contains(key) && request[key].is_string() ? request[key].get<std::string>() : ""; };
  if (request.contains("chat")) {  // empty text too: chat says why it will not send it
    auto sent = core_->chat().send(text("chat"));
    if (!sent) return reply(Failure({sent.error().detail, sent.error().code == ErrorCode::invalid_argument ? 2 : 4}));
    return reply(nlohmann::json{{"sent", true}});
  }
  if (request.contains("monitors") || request.contains("monitor")) return monitor_request(request, std::move(reply));
  if (request.contains("chat_log")) {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& line : core_->chat().lines()) lines.push_back(transfer::format_chat_line(line));
    return reply(nlohmann::json{{"lines", std::move(lines)}});
  }
  if (request.contains("stats")) return reply(nlohmann::json{{"stats", stats_json(shared_.stats)}});
  if (!text("save_transcript").empty()) {
    auto saved = core_->chat().save(text("save_transcript"));
    if (!saved) return reply(Failure({saved.error().detail, 4}));
    return reply(nlohmann::json{{"saved", true}});
  }
  // `elfdesk files push|pull --session PATH`: the transfer runs on this session, beside the picture and input.
  auto finished = [reply](TransferOutcome o) {
    if (o.exit_code != 0) return reply(Failure({o.message, o.exit_code}));
    reply(nlohmann::json{{"sha256", o.sha256_hex}, {"bytes", o.bytes}, {"path", o.path}});
  };
  if (!text("push").empty()) return core_->transfers().push(text("push"), {}, std::move(finished));
  if (!text("pull").empty() && !text("out").empty())
    return core_->transfers().pull(text("pull"), text("out"), {}, std::move(finished));
  reply(Failure({"unknown request: expected calls, chat, chat_log, save_transcript, push, pull, stats, monitors or monitor", 2}));
}

void ViewerNetwork::post(std::function<void(SessionCore&)> task) {
  asio::post(io_, [this, task = std::move(task)] {
    if (core_) task(*core_);
  });
}

void ViewerNetwork::send(protocol::Message message) {
  post([m = std::move(message)](SessionCore& core) { core.send(m); });
}

void ViewerNetwork::finish() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    closing_ = true;
    if (core_) core_->close("the viewer was closed");
  });
  work_.reset();
  thread_.join();
}

}  // namespace elfdesk::client
