// elfdesk-relay's server: accepts TCP connections, cuts what exceeds the per-address connection cap,
// runs the TLS handshake and reads the first message under deadlines, and hands the connection to
// its kind (host control, host data, engineer). Also renews this node's directory leases. Network
// thread only; owns the shared RelayState. main owns it (and the directory, log and metrics).
#pragma once
#include <asio.hpp>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "relay/relay_state.hpp"

namespace elfdesk::relay {

class RelayServer {
 public:
  RelayServer(asio::any_io_executor executor, ssl_ctx_st* tls, RelayConfig config, Directory& directory,
              EventLog& log, Metrics& metrics, const Clock& clock);
  // io when the address cannot be bound.
  std::expected<void, Error> listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;
  void start();
  // Stops accepting, closes every connection and gives every id back to the directory.
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Peer> peer);
  asio::awaitable<void> renew_loop();

  ssl_ctx_st* tls_;
  RelayState state_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer renew_timer_;
};

}  // namespace elfdesk::relay
