#include "client/core/engineer_session.hpp"

#include <pwd.h>
#include <unistd.h>

#include "common/auth/session_code.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

void report(const EngineerOptions& o, SessionState s) {
  if (o.on_state) o.on_state(s);
}

// Reverse mode: accept exactly one connection from the host that dials us.
asio::awaitable<std::expected<std::shared_ptr<Connection>, Error>> accept_host(asio::ssl::context& tls,
                                                                               const EngineerOptions& o) {
  auto ex = co_await asio::this_coro::executor;
  asio::error_code ec;
  const auto address = asio::ip::make_address(o.host.empty() ? "0.0.0.0" : o.host, ec);
  if (ec) co_return std::unexpected(make_error(ErrorCode::invalid_argument, "bad listen address " + o.host));
  asio::ip::tcp::acceptor acceptor(ex);
  const asio::ip::tcp::endpoint endpoint(address, o.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(1, ec);
  if (ec) co_return std::unexpected(make_error(ErrorCode::io, "cannot listen on " + o.host + ": " + ec.message()));
  if (o.on_listening) o.on_listening(acceptor.local_endpoint().port());
  report(o, SessionState::waiting_for_host);
  auto [aec, socket] = co_await acceptor.async_accept(kTuple);
  if (aec) co_return std::unexpected(make_error(ErrorCode::io, "accepting the host failed: " + aec.message()));
  co_return Connection::make(std::move(socket), tls, o.timeouts);
}

asio::awaitable<std::expected<std::shared_ptr<Connection>, Error>> dial_host(asio::ssl::context& tls,
                                                                             const EngineerOptions& o) {
  auto conn = Connection::make_unconnected(co_await asio::this_coro::executor, tls, o.timeouts);
  report(o, SessionState::connecting);
  if (auto ok = co_await conn->connect(o.host, o.port); !ok) co_return std::unexpected(ok.error());
  co_return conn;
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

asio::awaitable<std::expected<EngineerSession, Error>> open_engineer_session(asio::ssl::context& tls,
                                                                             EngineerOptions o) {
  auto code = auth::normalize_session_code(o.code);
  if (!code) co_return std::unexpected(make_error(ErrorCode::invalid_argument, code.error().detail));
  // Not a ?: with co_await in both arms: g++ 12 destroys that temporary twice (found by valgrind).
  std::expected<std::shared_ptr<Connection>, Error> conn;
  if (o.listen)
    conn = co_await accept_host(tls, o);
  else
    conn = co_await dial_host(tls, o);
  if (!conn) co_return std::unexpected(conn.error());
  auto& c = **conn;
  report(o, SessionState::authenticating);
  if (auto ok = co_await c.handshake(TlsRole::client); !ok) co_return std::unexpected(ok.error());
  c.start();
  protocol::Hello hello{limits::kProtocolVersion, protocol::Role::engineer, o.capabilities, o.name, "elfdesk 0.1.0"};
  auto peer = co_await exchange_hello(c, hello);
  if (!peer) co_return std::unexpected(peer.error());
  if (auto ok = co_await authenticate_as_engineer(c, *code); !ok) co_return std::unexpected(ok.error());
  report(o, SessionState::waiting_for_customer);
  c.send(protocol::ConsentRequest{o.name, o.permissions});
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
  report(o, SessionState::connected);
  co_return EngineerSession{*conn, std::move(*peer), result->granted_permissions};
}

}  // namespace elfdesk::client
