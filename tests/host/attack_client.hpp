// Test-only engineer that speaks the real protocol over real TLS from a chosen loopback source address
// and stops wherever a test needs it (after Hello, after the host's SPAKE2 answer), so attacks on the
// host's authentication (parallel guesses, stale codes, idle holders) can be staged. One io_context.
#pragma once
#include <asio.hpp>

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "common/auth/spake2.hpp"
#include "common/connection.hpp"

namespace elfdesk::test {

class AttackClient {
 public:
  AttackClient(asio::io_context& io, asio::ssl::context& tls) : io_(io), tls_(tls) {}

  // TCP from `source` (e.g. "127.0.0.2") to 127.0.0.1:port, TLS 1.3, Hello exchange.
  asio::awaitable<std::expected<void, Error>> connect_and_hello(std::string source, std::uint16_t port);
  // Sends our SPAKE2 share for `digits` and waits for the host's. False if the host refused without
  // trying (Goodbye before its share); `refusal` then says why.
  asio::awaitable<bool> send_share(std::string digits);  // by value: a coroutine outlives its caller's temporaries
  // Verifies the host's confirmation and sends ours; true when the host answers AuthResult{ok}.
  asio::awaitable<bool> confirm();

  std::shared_ptr<Connection> connection;
  protocol::Hello host_hello;  // what the host said about itself before authentication
  std::string refusal;

 private:
  asio::io_context& io_;
  asio::ssl::context& tls_;
  std::optional<auth::Spake2Party> party_;
  std::vector<std::uint8_t> host_confirmation_;
};

// A bare TCP connection from `source` that never speaks (an idle slot holder).
asio::ip::tcp::socket open_idle(asio::io_context& io, const std::string& source, std::uint16_t port);

}  // namespace elfdesk::test
