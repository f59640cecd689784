// A connected pair of Connections over real TLS 1.3 on loopback, made through the listen and dial
// transports, for the common tests. Runs its io_context on the test's thread.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "common/auth/tls_context.hpp"
#include "common/connection.hpp"
#include "common/transport.hpp"

namespace elfdesk::testing {

using namespace std::chrono_literals;

// One engineer-side and one host-side connection, connected and TLS-established, then `body` runs.
struct Pair {
  asio::io_context io{1};
  asio::ssl::context host_tls = auth::make_host_tls_context();
  asio::ssl::context engineer_tls = auth::make_engineer_tls_context();

  // `authenticated`: lift the pre-authentication limits on both sides, as SPAKE2 would.
  void run(ConnectionTimeouts timeouts,
           std::function<asio::awaitable<void>(std::shared_ptr<Connection>, std::shared_ptr<Connection>)> body,
           bool authenticated = true) {
    auto listener = ListenTransport::open(io.get_executor(), "127.0.0.1", 0);
    REQUIRE(listener);
    const auto port = (*listener)->local_port();
    bool done = false;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      DialTransport dialer(io.get_executor(), "127.0.0.1", port, timeouts.connect);
      auto dialed = co_await dialer.next();
      REQUIRE(dialed);
      auto client = Connection::make(std::move(*dialed), engineer_tls, timeouts);
      auto accepted = co_await (*listener)->next();
      REQUIRE(accepted);
      auto server = Connection::make(std::move(*accepted), host_tls, timeouts);
      // Both TLS sides must progress together: run the server side's handshake concurrently.
      bool server_ok = false;
      asio::co_spawn(io, [&]() -> asio::awaitable<void> { server_ok = (co_await server->handshake(TlsRole::server)).has_value(); }, asio::detached);
      REQUIRE(co_await client->handshake(TlsRole::client));
      while (!server_ok && server->is_open()) {
        asio::steady_timer t(io, 1ms);
        co_await t.async_wait(asio::use_awaitable);
      }
      REQUIRE(server_ok);
      client->start();
      server->start();
      if (authenticated) {
        client->set_authenticated();
        server->set_authenticated();
      }
      co_await body(client, server);
      client->fail(make_error(ErrorCode::closed, "test over"));
      server->fail(make_error(ErrorCode::closed, "test over"));
      done = true;
    }, asio::detached);
    io.run_for(20s);
    CHECK(done);
  }
};

}  // namespace elfdesk::testing
