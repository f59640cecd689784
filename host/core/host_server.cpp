#include "host/core/host_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "common/auth/session_code.hpp"
#include "common/auth/tls_context.hpp"
#include "common/connection.hpp"
#include "common/handshake.hpp"
#include "common/log.hpp"
#include "common/transport.hpp"
#include "host/core/code_keeper.hpp"
#include "host/core/consent_gate.hpp"
#include "host/core/host_session.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr auto kRedialInterval = std::chrono::seconds(1);

std::string machine_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

void write_code_file(const std::string& path, const std::string& formatted) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  // No following a planted symlink, and an existing file is narrowed to 0600 before the code goes in.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    log::error("cannot write code file {}: {}", path, std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return;
  }
  const std::string line = formatted + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) log::error("cannot write code file {}", path);
}

}  // namespace

struct HostServer::State : std::enable_shared_from_this<HostServer::State> {
  HostOptions options;
  AuditLog& audit;
  ConsentUi* ui;
  asio::io_context io{1};
  asio::ssl::context tls;
  std::unique_ptr<Transport> transport;  // listen, or dial in reverse mode
  asio::signal_set signals{io, SIGINT, SIGTERM};
  SteadyClock clock;
  std::unique_ptr<CodeKeeper> codes;
  asio::steady_timer code_timer{io};
  std::thread thread;
  std::atomic<bool> finished{false};
  bool stopping = false;
  int pending = 0;
  bool session_reserved = false;
  std::shared_ptr<HostSession> session;

  State(HostOptions o, AuditLog& a, ConsentUi* u) : options(std::move(o)), audit(a), ui(u), tls(auth::make_host_tls_context()) {}

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

  protocol::Hello hello() const {
    using namespace protocol::capability;
    std::uint32_t caps = kVideoVp8 | kInput | kProbes | kCursor | kChat;
    if (options.clipboard) caps |= kClipboard;
    return {limits::kProtocolVersion, protocol::Role::host, caps, machine_name(), "elfdesk-host 0.1.0"};
  }

  void shut_down(const std::string& reason) {
    if (stopping) return;
    stopping = true;
    audit.record("host_stop", {{"reason", reason}});
    asio::error_code ignored;
    if (transport) transport->close();
    signals.cancel(ignored);
    code_timer.cancel();
    if (session) session->end(true, reason);
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
  asio::awaitable<void> admit(std::shared_ptr<Connection> conn, asio::steady_timer& deadline);
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
      audit.record("connection_refused", {{"peer", link->address}, {"reason", "too many unauthenticated connections"}});
      asio::error_code ignored;
      link->stream.close(ignored);
      continue;
    }
    asio::co_spawn(io, handle(Connection::make(std::move(*link), tls), false), asio::detached);
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
      conn = Connection::make(std::move(*link), tls);
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
  co_await handle(conn, true);
  shut_down("reverse session finished");
}

asio::awaitable<void> HostServer::State::handle(std::shared_ptr<Connection> conn, bool dialed) {
  auto self = shared_from_this();
  ++pending;
  // One deadline for everything before the customer is asked: a silent or slow peer never holds a slot.
  // admit() cancels it once the code is verified (consent has its own timeout; a session has none).
  asio::steady_timer deadline(io);
  deadline.expires_after(options.handshake_deadline);
  deadline.async_wait([conn](const asio::error_code& ec) {
    if (!ec) conn->fail(make_error(ErrorCode::timeout, "handshake deadline expired"));
  });
  audit.record("connection", {{"peer", conn->peer()}, {"direction", dialed ? "outgoing" : "incoming"}});
  co_await admit(conn, deadline);
  deadline.cancel();
  // Whatever ended the attempt, close our side now (a no-op if it is already closing): a peer that
  // said Goodbye is otherwise left waiting for our TLS close_notify.
  conn->close(protocol::GoodbyeReason::normal, "");
  --pending;
  if (stopping && !session && pending == 0) io.stop();
}

asio::awaitable<void> HostServer::State::admit(std::shared_ptr<Connection> conn, asio::steady_timer& deadline) {
  auto fail_audit = [&](const char* stage, const Error& e) {
    audit.record(stage, {{"peer", conn->peer()}, {"result", "failed"}, {"reason", e.detail}});
  };
  if (auto ok = co_await conn->handshake(TlsRole::server); !ok) co_return fail_audit("tls", ok.error());
  // Until the code is proven, only the handshake's small messages are expected: a stranger must not make
  // the host buffer megabytes (per pending slot) by announcing a video frame.
  conn->limit_incoming(limits::kMaxControlPayload);
  conn->start();
  auto peer = co_await exchange_hello(*conn, hello());
  if (!peer) co_return fail_audit("hello", peer.error());
  const auto code = codes->current();
  if (session_reserved || !code) {
    conn->close(protocol::GoodbyeReason::busy, "host busy: another engineer is connected");
    audit.record("connection_refused", {{"peer", conn->peer()}, {"reason", "busy"}});
    co_return;
  }
  if (auto ok = co_await authenticate_as_host(*conn, *code); !ok) {
    // Only a peer that sent a SPAKE2 share made a guess (auth_failed); one that left before did not.
    if (ok.error().code == ErrorCode::auth_failed) codes->record_failure(*code);
    audit.record("authentication", {{"peer", conn->peer()}, {"result", "failed"}, {"reason", ok.error().detail},
                                    {"failures_on_code", codes->failures()}});
    co_return;
  }
  deadline.cancel();
  conn->limit_incoming(limits::kMaxFramePayload);
  if (session_reserved) {
    conn->close(protocol::GoodbyeReason::busy, "host busy: another engineer is connected");
    co_return;
  }
  session_reserved = true;
  codes->consume(*code);
  audit.record("authentication", {{"peer", conn->peer()}, {"result", "ok"}, {"engineer", peer->hello.name}});
  auto consent = co_await run_consent(*conn, *peer, options, ui, audit);
  if (!consent) {
    session_reserved = false;
    codes->release();
    if (options.once) shut_down("session declined");
    co_return;
  }
  --pending;  // admitted: no longer an unauthenticated slot
  session = std::make_shared<HostSession>(conn, *consent, options, audit);
  if (ui) ui->show_session(SessionInfo{consent->engineer_name, consent->peer, consent->permissions});
  const SessionSummary summary = co_await session->run();
  ++pending;
  session.reset();
  session_reserved = false;
  if (ui) ui->show_ended(summary.end_reason);
  std::printf("elfdesk-host: session ended (%s)\n", summary.end_reason.c_str());
  std::fflush(stdout);
  if (options.once || stopping) shut_down(summary.end_reason);
  else codes->release();
}

HostServer::HostServer(HostOptions options, AuditLog& audit, ConsentUi* ui)
    : state_(std::make_shared<State>(std::move(options), audit, ui)) {}

HostServer::~HostServer() {
  stop("host shutting down");
  wait();
}

std::expected<void, Error> HostServer::start() {
  auto& s = *state_;
  s.audit.record("host_start", {{"display", s.options.fake_screen ? "test pattern" : s.options.display},
                                {"consent", s.options.consent == ConsentMode::accept ? "pre-approved" : "ask"},
                                {"view_only", s.options.view_only}});
  if (s.options.connect_host.empty()) {
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
  s.codes = std::make_unique<CodeKeeper>(s.clock, s.options.code_ttl,
                                         [&s](const std::string& d, std::chrono::seconds t, const std::string& w) {
                                           s.announce_code(d, t, w);
                                         });
  s.arm_code_timer();  // the first code was announced while `codes` was still being built
  s.signals.async_wait([&s](const asio::error_code& ec, int) {
    if (!ec) s.shut_down("ended by the customer (signal)");
  });
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
