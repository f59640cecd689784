#include "client/core/engineer_session.hpp"

#include <pwd.h>
#include <unistd.h>

#include "common/auth/session_code.hpp"
#include "common/relay_transport.hpp"
#include "common/transport.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

void report(const EngineerOptions& o, SessionState s) {
  if (o.on_state) o.on_state(s);
}

// Through the relay: Join with the code's first half (the secret half never leaves this process).
asio::awaitable<std::expected<TransportLink, Error>> join_relay(const EngineerOptions& o, bool resuming) {
  auto tls = make_relay_tls_context(o.relay_ca);
  if (!tls) co_return std::unexpected(tls.error());
  auto digits = auth::normalize_session_code(o.code);
  if (!digits) co_return std::unexpected(make_error(ErrorCode::invalid_argument, digits.error().detail));
  report(o, SessionState::connecting);
  RelayTimings timings;
  timings.connect = o.timeouts.connect;
  // Named, not temporaries: g++ 12 mishandles a braced temporary passed by value into a coroutine (the
  // frame held a corrupt copy: "free(): invalid pointer"). The streams the join returns hold their own
  // reference to the context (SSL_new), so it may go when this returns.
  RelayEndpoint relay{o.host, o.port, {}};
  std::string id = split_relay_code(*digits).id;
  co_return co_await join_through_relay(*tls, std::move(relay), std::move(id), timings, resuming);
}

// The one place that knows how this engineer reaches the host: dial it, through the relay, or (reverse
// mode) accept exactly one connection from the host that dials us. What follows runs the same over each.
// `resuming`: after a drop (through the relay an unknown id is then worth retrying).
asio::awaitable<std::expected<TransportLink, Error>> reach_host(const EngineerOptions& o, bool resuming = false) {
  if (o.via_relay) co_return co_await join_relay(o, resuming);
  const auto executor = co_await asio::this_coro::executor;
  std::unique_ptr<Transport> transport;
  if (o.listen) {
    auto listener = ListenTransport::open(executor, o.host, o.port, 1);
    if (!listener) co_return std::unexpected(listener.error());
    if (o.on_listening) o.on_listening((*listener)->local_port());
    report(o, SessionState::waiting_for_host);
    transport = std::move(*listener);
  } else {
    transport = std::make_unique<DialTransport>(executor, o.host, o.port, o.timeouts.connect);
    report(o, SessionState::connecting);
  }
  co_return co_await transport->next();
}

}  // namespace

const char* describe(SessionState state) {
  switch (state) {
    case SessionState::connecting: return "connecting";
    case SessionState::waiting_for_host: return "waiting for the host to connect";
    case SessionState::authenticating: return "authenticating";
    case SessionState::waiting_for_customer: return "waiting for the customer to allow access";
    case SessionState::connected: return "connected";
  }
  return "unknown";
}

int exit_code_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::auth_failed: return 11;
    case ErrorCode::declined: return 12;
    case ErrorCode::busy: return 14;
    case ErrorCode::truncated:
    case ErrorCode::oversized:
    case ErrorCode::malformed:
    case ErrorCode::unknown_type:
    case ErrorCode::version_mismatch: return 13;
    default: return 10;
  }
}

std::string default_engineer_name() {
  const passwd* pw = ::getpwuid(::getuid());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(pw && pw->pw_name ? pw->pw_name : "engineer") + "@" + host;
}

namespace {

// Hello, SPAKE2 and consent over a connection whose TLS is up; the customer's grant.
asio::awaitable<std::expected<EngineerSession, Error>> admit(std::shared_ptr<Connection> conn, const EngineerOptions& o,
                                                             std::string code) {
  auto& c = *conn;
  protocol::Hello hello{limits::kProtocolVersion, protocol::Role::engineer, o.capabilities, o.name, "elfdesk 0.1.0"};
  // The consent request leaves with our key confirmation (see open_as_engineer): one round trip less.
  // Named, not a temporary: g++ 12 mishandles a braced temporary passed by value into a coroutine.
  protocol::Message consent_request = protocol::ConsentRequest{o.name, o.permissions};
  auto admitted = co_await open_as_engineer(c, hello, std::move(code), std::move(consent_request));
  if (!admitted) co_return std::unexpected(admitted.error());
  report(o, SessionState::waiting_for_customer);
  auto answer = co_await c.receive(std::chrono::duration_cast<std::chrono::milliseconds>(o.consent_wait));
  if (!answer) co_return std::unexpected(answer.error());
  auto* result = std::get_if<protocol::ConsentResult>(&*answer);
  if (!result) {
    c.fail(make_error(ErrorCode::malformed, "expected ConsentResult"));
    co_return std::unexpected(*c.error());
  }
  if (result->decision != protocol::ConsentDecision::allowed) {
    c.close(protocol::GoodbyeReason::normal, "");
    co_return std::unexpected(make_error(ErrorCode::declined, result->reason.empty() ? "declined by the customer"
                                                                                     : result->reason));
  }
  const bool resumable = (admitted->host.capabilities & protocol::capability::kResume) != 0;
  EngineerSession session{conn, std::move(admitted->host), result->granted_permissions, std::nullopt};
  if (resumable) session.resume = std::move(admitted->resume);
  co_return session;
}

}  // namespace

asio::awaitable<std::expected<EngineerSession, Error>> open_engineer_session(asio::ssl::context& tls,
                                                                             EngineerOptions o) {
  auto code = auth::normalize_session_code(o.code);
  if (!code) co_return std::unexpected(make_error(ErrorCode::invalid_argument, code.error().detail));
  auto link = co_await reach_host(o);
  if (!link) co_return std::unexpected(link.error());
  auto conn = Connection::make(std::move(*link), tls, o.timeouts);
  report(o, SessionState::authenticating);
  if (auto ok = co_await conn->handshake(TlsRole::client); !ok) co_return std::unexpected(ok.error());
  conn->start();
  auto session = co_await admit(conn, o, std::move(*code));
  if (!session) {
    // The host's Goodbye or refusal was read: end the connection's writer and timers now. Left running
    // (nothing reads the host's close), they kept the caller's io_context busy until the idle limit, ~10 s
    // ("host busy" came that late). A close we started ends by itself once our Goodbye is flushed.
    if (conn->is_open() && !conn->closing()) conn->fail(session.error());
    co_return std::unexpected(session.error());
  }
  report(o, SessionState::connected);
  co_return session;
}

}  // namespace elfdesk::client

namespace elfdesk::client {

asio::awaitable<std::expected<std::shared_ptr<Connection>, Error>> resume_engineer_session(
    asio::ssl::context& tls, const EngineerOptions& o, auth::ResumeSecret& secret) {
  auto link = co_await reach_host(o, true);
  if (!link) co_return std::unexpected(link.error());
  auto conn = Connection::make(std::move(*link), tls, o.timeouts);
  auto fail = [&conn](Error e) {
    if (conn->is_open() && !conn->closing()) conn->fail(e);
    return std::unexpected(std::move(e));
  };
  if (auto ok = co_await conn->handshake(TlsRole::client); !ok) co_return fail(ok.error());
  conn->start();
  protocol::Hello hello{limits::kProtocolVersion, protocol::Role::engineer, o.capabilities, o.name, "elfdesk 0.1.0"};
  if (auto ok = co_await resume_as_engineer(*conn, hello, secret); !ok) co_return fail(ok.error());
  co_return conn;
}

}  // namespace elfdesk::client
