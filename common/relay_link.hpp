// One outer connection to elfdesk-relay: TCP, TLS 1.3 verifying the relay's certificate, the framed
// rendezvous messages of protocol/relay_wire.hpp, and after `Spliced` the pump between that TLS stream
// and one end of a socketpair whose other end becomes the session's ByteStream. Network thread only;
// shared_ptr-owned: its writer and pump coroutines hold it while they run.
#pragma once
#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "common/transport.hpp"
#include "protocol/error.hpp"
#include "protocol/relay_wire.hpp"

namespace elfdesk {

// Where a relay (node) is and what its certificate must say.
struct RelayEndpoint {
  std::string host;         // what to connect to (name or IP)
  std::uint16_t port = 0;
  std::string verify_name;  // name or IP the certificate must carry; empty: `host`
};

// TLS 1.3 client context for the outer connections: verifies the relay's certificate against the
// system trust store, or only against `ca_file` (a PEM file) when not empty. invalid_argument when the
// CA file cannot be loaded, tls when OpenSSL cannot build the context. One per process, shared.
std::expected<asio::ssl::context, Error> make_relay_tls_context(const std::string& ca_file);

class RelayLink : public std::enable_shared_from_this<RelayLink> {
 public:
  using Stream = asio::ssl::stream<ByteStream>;

  // Connects (within `timeout` for TCP, and again for TLS) and verifies the certificate against
  // where.verify_name. io/timeout when the relay cannot be reached, tls when its certificate fails.
  static asio::awaitable<std::expected<std::shared_ptr<RelayLink>, Error>> dial(asio::ssl::context& tls,
                                                                               RelayEndpoint where,
                                                                               std::chrono::milliseconds timeout);
  RelayLink(Stream stream, std::string peer_address, std::string where);

  // Queues one message; written in order by the link's writer. Fails for a message the wire contract
  // refuses to encode, and closes the link when the relay has left 64 messages unread.
  std::expected<void, Error> send(const protocol::RelayMessage& message);
  // The next message, or closed/io/timeout/malformed. A timeout closes the link.
  asio::awaitable<std::expected<protocol::RelayMessage, Error>> receive(std::chrono::milliseconds timeout);
  // After `Spliced`: from now on the link copies bytes both ways between the relay and the returned
  // stream (bounded buffers: a side that stops reading stops the other), until either side ends; then
  // both are closed. The link must not be used for messages any more.
  std::expected<ByteStream, Error> splice();
  void close();
  bool is_open() const { return open_; }
  // The relay node's IP as connected: a host's data connections go to the node of its control one.
  const std::string& peer_address() const { return peer_address_; }
  const std::string& where() const { return where_; }

 private:
  asio::awaitable<void> write_loop();
  asio::awaitable<void> pump_from_relay(std::shared_ptr<ByteStream> inner);
  asio::awaitable<void> pump_to_relay(std::shared_ptr<ByteStream> inner);

  Stream stream_;
  asio::steady_timer linger_;  // the session's side ended: the relay's side gets this long to end too
  std::string peer_address_;
  std::string where_;
  std::deque<std::vector<std::uint8_t>> queue_;
  bool writing_ = false;
  bool open_ = true;
};

}  // namespace elfdesk
