#include "host/core/host_server.hpp"

#include <atomic>
#include <cstdio>
#include <thread>

#include "common/auth/session_code.hpp"
#include "common/auth/tls_context.hpp"
#include "common/connection.hpp"
#include "common/handshake.hpp"
#include "common/log.hpp"
#include "common/resume_timing.hpp"
#include "common/transport.hpp"
#include "host/core/admission.hpp"
#include "host/core/code_file.hpp"
#include "host/core/code_keeper.hpp"
#include "host/core/consent_gate.hpp"
#include "host/core/host_relay.hpp"
#include "host/core/host_session.hpp"
#include "host/core/resume_table.hpp"
#include "host/encode/spare_encoder.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr auto kRedialInterval = std::chrono::seconds(1);

// Before authentication every step (TLS + Hello, the wait for the engineer's share, the rest of SPAKE2)
// has its own short deadline, inside one overall deadline: a silent or slow peer never holds a slot.
struct PreAuthDeadline {
  asio::steady_timer timer;
  std::shared_ptr<Connection> conn;
  std::chrono::steady_clock::time_point overall_end;
  std::chrono::seconds step;

  std::chrono::steady_clock::time_point step_end() const {
    return std::min(std::chrono::steady_clock::now() + step, overall_end);
  }
  void next_step() {
    timer.expires_at(step_end());  // cancels the previous wait (its handler sees operation_aborted)
    timer.async_wait([c = conn](const asio::error_code& ec) {
      if (!ec) c->fail(make_error(ErrorCode::timeout, "handshake deadline expired"));
    });
  }
  void cancel() { timer.cancel(); }
};

}  // namespace

struct HostServer::State : std::enable_shared_from_this<HostServer::State> {
  HostOptions options;
  AuditLog& audit;
  ConsentUi* ui;
  std::shared_ptr<const DesktopEnvironment> desktop;
  SpareEncoder spare_encoder;  // a session's first video encoder, made ahead; outlives every session
  Rect shared_area;            // its size (set_shared_area); empty: none made ahead
  asio::io_context io{1};
  asio::ssl::context tls;
  std::unique_ptr<HostRelay> relay;       // relay mode: registers `transport` at the relay (outlives it)
  std::unique_ptr<Transport> transport;  // listen, dial in reverse mode, or the relay
  asio::signal_set signals{io, SIGINT, SIGTERM};
  SteadyClock clock;
  std::unique_ptr<CodeKeeper> codes;
  Admission admission{clock, {options.max_pending_per_address, options.first_backoff, std::chrono::seconds(300)}};
  asio::steady_timer code_timer{io};
  asio::steady_timer summary_timer{io};
  std::thread thread;
  std::atomic<bool> finished{false};
  bool stopping = false;
  int pending = 0;
  bool session_reserved = false;
  std::shared_ptr<HostSession> session;
  ResumeTiming timing = resume_timing();
  ResumeTable resumes{clock, timing.window};  // open while the session may come back after a drop

  State(HostOptions o, AuditLog& a, ConsentUi* u, std::shared_ptr<const DesktopEnvironment> d)
      : options(std::move(o)), audit(a), ui(u), desktop(std::move(d)), tls(auth::make_host_tls_context()) {}

  void announce_code(const std::string& digits, std::chrono::seconds ttl, const std::string& why) {
    const std::string formatted = auth::format_session_code(digits);
    std::printf("elfdesk-host: session code %s (valid for %lld min; new code: %s)\n", formatted.c_str(),
                static_cast<long long>((ttl.count() + 59) / 60), why.c_str());
    std::fflush(stdout);
    write_code_file(options.code_file, formatted);
    if (ui) ui->show_code(formatted, ttl);
    audit.record("code_issued", {{"reason", why}, {"valid_for_s", ttl.count()}});
    arm_code_timer();
  }

  // Rotates an expired code on time (so the code file and the window never show a dead code) and
  // re-arms itself: tick() rotates when due, and a rotation re-arms through announce_code().
  void arm_code_timer() {
    if (!codes) return;
    code_timer.expires_after(codes->tick() + std::chrono::milliseconds(10));
    code_timer.async_wait([self = weak_from_this()](const asio::error_code& ec) {
      if (auto s = self.lock(); s && !ec && !s->stopping) s->arm_code_timer();
    });
  }

  // Writes the audit log's summary of refused strangers once per interval, even when the flood stopped.
  void arm_summary_timer() {
    summary_timer.expires_after(std::chrono::seconds(15));
    summary_timer.async_wait([self = weak_from_this()](const asio::error_code& ec) {
      if (auto s = self.lock(); s && !ec && !s->stopping) {
        s->audit.flush_summary();
        s->arm_summary_timer();
      }
    });
  }

  protocol::Hello hello() const {
    using namespace protocol::capability;
    std::uint32_t caps =
        kVideoVp8 | kInput | kProbes | kCursor | kChat | kResume | kMonitors | kSessionInfo | kPixelPatch |
        kPathReport | kRegionStream | kPatchRecall | kScaledFrame;
    if (options.clipboard) caps |= kClipboard;
    // No machine name and no version before the code is proven: a stranger learns nothing about whose
    // machine this is or which build to attack. The engineer knows which address they dialled.
    return {limits::kProtocolVersion, protocol::Role::host, caps, "", "elfdesk-host"};
  }

  void shut_down(const std::string& reason) {
    if (stopping) return;
    stopping = true;
    audit.record("host_stop", {{"reason", reason}});
    asio::error_code ignored;
    if (transport) transport->close();
    signals.cancel(ignored);
    code_timer.cancel();
    summary_timer.cancel();
    // A closed display is not the customer's doing: the engineer is told what happened.
    if (session) session->end(!desktop->lost(), reason);
    if (ui) ui->quit();
    if (!session && pending == 0) {
      io.stop();
      return;
    }
    // Give the session a moment to say Goodbye; unauthenticated peers are simply cut off.
    auto grace = std::make_shared<asio::steady_timer>(io, std::chrono::seconds(2));
    grace->async_wait([this, grace](const asio::error_code&) { io.stop(); });
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> dial_out();
  asio::awaitable<void> handle(std::shared_ptr<Connection> conn, bool dialed);
  asio::awaitable<void> handle_flagged(std::shared_ptr<Connection> conn, std::shared_ptr<bool> done) {
    auto self = shared_from_this();
    co_await handle(std::move(conn), true);
    *done = true;
  }
  asio::awaitable<bool> admit(std::shared_ptr<Connection> conn, PreAuthDeadline& deadline);
  asio::awaitable<bool> resume(std::shared_ptr<Connection> conn, const protocol::ResumeRequest& request);
  ConnectionTimeouts timeouts() const { return with_dead_peer(ConnectionTimeouts{}, timing); }
  asio::awaitable<bool> wait_for_turn(const std::string& address, PreAuthDeadline& deadline);
  asio::awaitable<std::optional<auth::ResumeSecret>> check_code(std::shared_ptr<Connection> conn,
                                                               PreAuthDeadline& deadline, const std::string& address);
  void note_wrong_code(const std::string& address);
  void maybe_finish_after_session();
};

asio::awaitable<void> HostServer::State::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto link = co_await transport->next();
    if (!link) {
      if (stopping) break;
      log::warn("{}", link.error().detail);
      continue;
    }
    if (pending >= options.max_pending_handshakes) {
      audit.record_pre_auth("connection_refused", {{"peer", link->address}, {"reason", "too many unauthenticated connections"}});
      asio::error_code ignored;
      link->stream.close(ignored);
      continue;
    }
    asio::co_spawn(io, handle(Connection::make(std::move(*link), tls, timeouts()), false), asio::detached);
  }
}

asio::awaitable<void> HostServer::State::dial_out() {
  auto self = shared_from_this();
  std::printf("elfdesk-host: connecting to %s:%u\n", options.connect_host.c_str(), options.connect_port);
  std::fflush(stdout);
  // The customer starts the host (and reads out the code) before the engineer, who needs the code, can
  // start listening: keep dialing until the engineer is there or the customer stops the host.
  std::shared_ptr<Connection> conn;
  for (bool first = true; !stopping; first = false) {
    auto link = co_await transport->next();
    if (link) {
      conn = Connection::make(std::move(*link), tls, timeouts());
      break;
    }
    if (first) {
      std::fprintf(stderr, "elfdesk-host: %s (retrying until the engineer listens)\n", link.error().detail.c_str());
      audit.record("dial_failed", {{"peer", options.connect_host}, {"reason", link.error().detail}, {"retrying", true}});
    }
    asio::steady_timer pause(io, kRedialInterval);
    co_await pause.async_wait(kTuple);
  }
  if (!conn || stopping) co_return;
  // The first connection's handle() runs the whole session. Meanwhile, after a drop (the engineer listens
  // again), dial until a resume is decided: one attempt at a time, for as long as the session may resume.
  auto first_done = std::make_shared<bool>(false);
  asio::co_spawn(io, handle_flagged(conn, first_done), asio::detached);
  std::shared_ptr<bool> attempt_done;
  asio::steady_timer pause(io);
  while (!stopping && !*first_done) {
    pause.expires_after(std::chrono::milliseconds(200));
    co_await pause.async_wait(kTuple);
    if (!session || !resumes.is_open() || !resumes.is_dropped() || (attempt_done && !*attempt_done)) continue;
    auto link = co_await transport->next();
    if (!link) {
      pause.expires_after(kRedialInterval);
      co_await pause.async_wait(kTuple);
      continue;
    }
    attempt_done = std::make_shared<bool>(false);
    asio::co_spawn(io, handle_flagged(Connection::make(std::move(*link), tls, timeouts()), attempt_done), asio::detached);
  }
  shut_down("reverse session finished");
}

asio::awaitable<void> HostServer::State::handle(std::shared_ptr<Connection> conn, bool dialed) {
  auto self = shared_from_this();
  const std::string address = address_of(conn->peer());
  // One address holds only a few of the pending slots, so one stranger cannot fill them all.
  if (!dialed && !admission.try_open(address)) {
    audit.record_pre_auth("connection_refused", {{"peer", conn->peer()}, {"reason", "too many connections from this address"}});
    conn->fail(make_error(ErrorCode::closed, "too many connections from this address"));
    co_return;
  }
  ++pending;
  // admit() cancels the deadline once the code is verified (consent has its own timeout; a session none).
  PreAuthDeadline deadline{asio::steady_timer(io), conn, std::chrono::steady_clock::now() + options.handshake_deadline,
                           options.step_deadline};
  deadline.next_step();
  audit.record_pre_auth("connection", {{"peer", conn->peer()}, {"direction", dialed ? "outgoing" : "incoming"}});
  const bool handed_over = co_await admit(conn, deadline);
  deadline.cancel();
  if (!dialed) admission.close(address);
  // Whatever ended the attempt, close our side now (a no-op if it is already closing): a peer that
  // said Goodbye is otherwise left waiting for our TLS close_notify. A resumed connection is the
  // session's now.
  if (!handed_over) conn->close(protocol::GoodbyeReason::normal, "");
  --pending;
  if (stopping && !session && pending == 0) io.stop();
}

// Waits until `address` may guess (its back-off is over and none of its other connections is guessing).
// False when that is not before this step's deadline: the engineer is refused with the reason.
asio::awaitable<bool> HostServer::State::wait_for_turn(const std::string& address, PreAuthDeadline& deadline) {
  asio::steady_timer pause(io);
  for (auto wait = admission.wait_before_guess(address); wait > std::chrono::steady_clock::duration::zero();
       wait = admission.wait_before_guess(address)) {
    if (std::chrono::steady_clock::now() + wait >= deadline.timer.expiry()) co_return false;
    pause.expires_after(std::min<std::chrono::steady_clock::duration>(wait, Admission::kTurnPoll));
    co_await pause.async_wait(kTuple);
    if (stopping) co_return false;
  }
  admission.begin_guess(address);
  co_return true;
}

// A wrong code from `address`: it backs off, and the customer sees who is trying.
void HostServer::State::note_wrong_code(const std::string& address) {
  const int from_address = admission.record_failure(address);
  const std::string summary = describe_failed_attempts(from_address, address, admission.total_failures());
  if (ui) {
    ui->show_failed_attempts(summary);
  } else {
    std::printf("elfdesk-host: %s\n", summary.c_str());
    std::fflush(stdout);
  }
}

// SPAKE2 against the current code, one guess at a time per address; true when the code was proven
// (and claimed for this engineer).
asio::awaitable<std::optional<auth::ResumeSecret>> HostServer::State::check_code(std::shared_ptr<Connection> conn,
                                                                                 PreAuthDeadline& deadline,
                                                                                 const std::string& address) {
  if (!co_await wait_for_turn(address, deadline)) {
    const std::string why = "too many wrong codes from this address: try again later";
    conn->close(protocol::GoodbyeReason::auth_failed, why);
    audit.record_pre_auth("connection_refused", {{"peer", conn->peer()}, {"reason", why}});
    co_return std::nullopt;
  }
  struct GuessDone {
    Admission& admission;
    const std::string& address;
    ~GuessDone() { admission.end_guess(address); }
  } guess_done{admission, address};
  // The guess is reserved when the share arrives, against the code current then, and the code must
  // still be current (same generation) after SPAKE2: parallel or stale attempts get nothing extra.
  std::optional<CodeKeeper::Attempt> attempt;
  HostCodeCheck check{
      .begin = [&]() -> std::expected<std::string, Error> {
        auto reserved = codes->begin_attempt();
        if (!reserved)
          return std::unexpected(make_error(ErrorCode::busy, reserved.error() == CodeKeeper::Refusal::in_use
                                                                 ? "host busy: another engineer is connected"
                                                                 : "host busy: too many code attempts at once, try again"));
        attempt = *reserved;
        deadline.next_step();  // the rest of SPAKE2 is one round trip for a real engineer
        return reserved->digits;
      },
      .claim = [&] { return codes->consume(*attempt); },
  };
  auto ok = co_await authenticate_as_host(*conn, std::move(check));
  if (!ok) {
    if (!attempt) {  // refused before trying, or left before guessing: no guess was made
      if (ok.error().code == ErrorCode::busy || ok.error().detail == kSessionEndedMessage)
        audit.record_pre_auth("connection_refused", {{"peer", conn->peer()}, {"reason", ok.error().detail}});
      co_return std::nullopt;
    }
    codes->fail_attempt(*attempt);
    note_wrong_code(address);
    audit.record_pre_auth("authentication", {{"peer", conn->peer()}, {"result", "failed"},
                                             {"reason", ok.error().detail}, {"failures_on_code", codes->failures()}});
    co_return std::nullopt;
  }
  co_return std::move(*ok);
}

// A ResumeRequest while the session may come back: the proof must verify for this very connection.
// Every refusal is audited (a copied proof is an attack); the engineer hears why.
asio::awaitable<bool> HostServer::State::resume(std::shared_ptr<Connection> conn, const protocol::ResumeRequest& request) {
  auto binding = auth::export_channel_binding(conn->stream());
  std::expected<std::chrono::milliseconds, ResumeTable::Refusal> gap =
      std::unexpected(ResumeTable::Refusal::bad_proof);
  if (binding) gap = resumes.resume(request.ticket, request.proof, *binding);
  if (!gap) {
    const std::string why = ResumeTable::describe(gap.error());
    audit.record_pre_auth("resume", {{"peer", conn->peer()}, {"result", "failed"}, {"reason", why},
                                     {"failures", resumes.failures()}});
    conn->send(protocol::ResumeResult{false, why});
    conn->close(protocol::GoodbyeReason::auth_failed, why);
    if (!resumes.is_open() && session) session->end(false, why);  // expired or too many failures: over
    co_return false;
  }
  conn->send(protocol::ResumeResult{true, ""});
  conn->set_authenticated();
  conn->limit_incoming(limits::kMaxFramePayload);
  session->resume(conn, *gap);
  co_return true;
}

asio::awaitable<bool> HostServer::State::admit(std::shared_ptr<Connection> conn, PreAuthDeadline& deadline) {
  auto fail_audit = [&](const char* stage, const Error& e) {
    audit.record_pre_auth(stage, {{"peer", conn->peer()}, {"result", "failed"}, {"reason", e.detail}});
    return false;
  };
  if (auto ok = co_await conn->handshake(TlsRole::server); !ok) co_return fail_audit("tls", ok.error());
  // Until the code is proven, only the handshake's small messages are expected: a stranger must not make
  // the host buffer megabytes (per pending slot) by announcing a video frame.
  conn->limit_incoming(limits::kMaxControlPayload);
  conn->start();
  auto peer = co_await exchange_hello(*conn, hello());
  if (!peer) co_return fail_audit("hello", peer.error());
  deadline.next_step();
  // A session that may come back after a drop takes only its own engineer's resume; anyone else is busy.
  if (session && resumes.is_open() && (peer->capabilities & protocol::capability::kResume)) {
    auto opening = co_await receive_opening(*conn);
    if (!opening) co_return fail_audit("resume", opening.error());
    if (auto* request = std::get_if<protocol::ResumeRequest>(&*opening)) co_return co_await resume(conn, *request);
  }
  if (session_reserved || !codes->current()) {
    conn->close(protocol::GoodbyeReason::busy, "host busy: another engineer is connected");
    audit.record_pre_auth("connection_refused", {{"peer", conn->peer()}, {"reason", "busy"}});
    co_return false;
  }
  const std::string address = address_of(conn->peer());
  auto secret = co_await check_code(conn, deadline, address);
  if (!secret) co_return false;
  deadline.cancel();
  conn->limit_incoming(limits::kMaxFramePayload);
  if (session_reserved) {
    conn->close(protocol::GoodbyeReason::busy, "host busy: another engineer is connected");
    co_return false;
  }
  session_reserved = true;
  admission.record_success(address);
  audit.record("authentication", {{"peer", conn->peer()}, {"result", "ok"}, {"engineer", peer->hello.name}});
  // Only a proven engineer has the host spend the ~50 MB and 120-140 ms (1080p) of an encoder, and only
  // one: nothing before authentication makes one, and nothing is held while the host waits.
  if (!shared_area.empty()) spare_encoder.prepare(EncoderSettings{shared_area.width, shared_area.height});
  auto consent = co_await run_consent(*conn, *peer, options, ui, audit);
  if (!consent) {
    spare_encoder.drop();
    session_reserved = false;
    codes->release();
    if (options.once) shut_down("session declined");
    co_return false;
  }
  --pending;  // admitted: no longer an unauthenticated slot
  // The code stays used (CodeKeeper: no rotation while in use) until the session ends for good, so a
  // resumable session keeps its code, its code file and (relay mode) its routing id.
  if (peer->capabilities & protocol::capability::kResume) {
    if (relay) relay->hold(secret->ticket());  // the relay id stays this session's while it may resume
    resumes.open(std::move(*secret));
  } else {
    resumes.close();
  }
  session = std::make_shared<HostSession>(conn, *consent, options, audit, desktop, ui, &resumes,
                                          spare_encoder.factory());
  if (ui) ui->show_session(SessionInfo{consent->engineer_name, consent->peer, consent->permissions});
  const SessionSummary summary = co_await session->run();
  ++pending;
  session.reset();
  spare_encoder.drop();  // untaken when the screen changed size: not held until the next engineer
  if (relay) relay->release_hold();
  session_reserved = false;
  if (ui) ui->show_ended(summary.end_reason);
  std::printf("elfdesk-host: session ended (%s)\n", summary.end_reason.c_str());
  std::fflush(stdout);
  if (options.once || stopping || desktop->lost()) shut_down(summary.end_reason);  // nothing left to share
  else codes->release();
  co_return false;
}

HostServer::HostServer(HostOptions options, AuditLog& audit, ConsentUi* ui,
                       std::shared_ptr<const DesktopEnvironment> desktop)
    : state_(std::make_shared<State>(std::move(options), audit, ui, std::move(desktop))) {}

HostServer::~HostServer() {
  stop("host shutting down");
  wait();
}

std::expected<void, Error> HostServer::start() {
  auto& s = *state_;
  s.audit.record("host_start", {{"display", s.desktop->name()},
                                {"consent", s.options.consent == ConsentMode::accept ? "pre-approved" : "ask"},
                                {"view_only", s.options.view_only}});
  if (!s.options.relay_host.empty()) {  // relay mode: no port is opened
    s.relay = std::make_unique<HostRelay>(s.options, s.audit, s.ui, s.codes);
    auto transport = s.relay->open(s.io.get_executor());
    if (!transport) return std::unexpected(transport.error());
    s.transport = std::move(*transport);
  } else if (s.options.connect_host.empty()) {
    if (s.options.listen_host.empty())
      return std::unexpected(make_error(ErrorCode::invalid_argument, "bad listen address " + s.options.listen_host));
    auto listener = ListenTransport::open(s.io.get_executor(), s.options.listen_host, s.options.listen_port);
    if (!listener) return std::unexpected(listener.error());
    std::printf("elfdesk-host: listening on %s:%u\n", (*listener)->local_address().c_str(), (*listener)->local_port());
    s.transport = std::move(*listener);
  } else {
    s.transport = std::make_unique<DialTransport>(s.io.get_executor(), s.options.connect_host, s.options.connect_port,
                                                  ConnectionTimeouts{}.connect);
  }
  auto announce = [&s](const std::string& d, std::chrono::seconds t, const std::string& w) { s.announce_code(d, t, w); };
  if (s.relay)  // every new code needs a new id: give up the old one and register again
    s.codes = std::make_unique<CodeKeeper>(s.clock, s.options.code_ttl, announce, [&s](const std::string&) {
      if (s.relay) s.relay->renew();
    });
  else
    s.codes = std::make_unique<CodeKeeper>(s.clock, s.options.code_ttl, announce);
  s.arm_summary_timer();
  s.arm_code_timer();  // the first code was announced while `codes` was still being built
  s.signals.async_wait([&s](const asio::error_code& ec, int) {
    if (!ec) s.shut_down("ended by the customer (signal)");
  });
  if (s.relay) s.relay->start();
  if (s.options.connect_host.empty())
    asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  else
    asio::co_spawn(s.io, s.dial_out(), asio::detached);
  s.thread = std::thread([st = state_] {
    st->io.run();
    st->finished = true;
    if (st->ui) st->ui->quit();
  });
  return {};
}

void HostServer::set_shared_area(Rect area) { state_->shared_area = area; }

void HostServer::stop(std::string reason) {
  asio::post(state_->io, [s = state_, reason = std::move(reason)] { s->shut_down(reason); });
}

void HostServer::end_session() {
  asio::post(state_->io, [s = state_] {
    if (s->session) s->session->end(true, "ended by the customer");
  });
}

void HostServer::wait() {
  if (state_->thread.joinable()) state_->thread.join();
}

bool HostServer::finished() const { return state_->finished; }

}  // namespace elfdesk::host
