// How a session's byte stream is obtained, below Connection: listen (accept), dial, and later through
// elfdesk-relay. A Transport yields connected streams; TLS + SPAKE2 then run above it unchanged, so the
// session never knows which way it came in. Network thread only; the caller owns the Transport.
#pragma once
#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error.hpp"

namespace elfdesk {

// Every transport hands over the same socket type: a TCP socket, or one end of a socketpair that a relay
// transport pumps through its outer TLS stream. docs/architecture.md ("Transport") says why.
using ByteStream = asio::generic::stream_protocol::socket;

struct TransportLink {
  ByteStream stream;
  std::string peer;     // "address:port" (or what the transport knows) for logs and the audit
  std::string address;  // the peer's address alone, for per-address decisions; "unknown" if none
};

class Transport {
 public:
  virtual ~Transport() = default;
  // The next connected stream. Listen: the next peer that connects; dial: one connection attempt
  // bounded by the connect timeout. An error leaves the transport usable unless close() was called.
  virtual asio::awaitable<std::expected<TransportLink, Error>> next() = 0;
  // Stops waiting: a pending next() completes with ErrorCode::closed. Idempotent.
  virtual void close() = 0;
};

// Accepts on host:port ("0.0.0.0" or "" for every address; port 0 picks one, see local_port()).
class ListenTransport final : public Transport {
 public:
  static std::expected<std::unique_ptr<ListenTransport>, Error> open(const asio::any_io_executor& executor,
                                                                     const std::string& host, std::uint16_t port,
                                                                     int backlog = asio::socket_base::max_listen_connections);
  explicit ListenTransport(asio::ip::tcp::acceptor acceptor) : acceptor_(std::move(acceptor)) {}
  asio::awaitable<std::expected<TransportLink, Error>> next() override;
  void close() override;
  std::uint16_t local_port() const;
  std::string local_address() const;

 private:
  asio::ip::tcp::acceptor acceptor_;
};

// A dial that reached the machine where nothing listens on the port (TCP reset): no program serves there.
inline constexpr std::string_view kRefusedText = "connection refused (nothing listens there)";
bool is_refused(const Error& error);

// Resolves and connects to host:port; each next() is one attempt.
class DialTransport final : public Transport {
 public:
  DialTransport(asio::any_io_executor executor, std::string host, std::uint16_t port,
                std::chrono::milliseconds connect_timeout);
  asio::awaitable<std::expected<TransportLink, Error>> next() override;
  void close() override;

 private:
  asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  bool closed_ = false;
  asio::ip::tcp::socket* attempt_ = nullptr;  // the socket being connected, so close() can cancel it
};

// Sets TCP's congestion control to reno, whatever the machine's default: our own scheduler does the
// rate control, and reno's plain loss recovery neither stalls nor bursts under it (transport.cpp says
// what BBR and cubic did). Best effort: a socket that is not TCP is left as it is.
void use_session_congestion_control(int fd);

// Turns a connected TCP socket into a TransportLink: no Nagle delay, a small unsent buffer (so a
// queued key press waits behind at most that much already-written data in the kernel), reno
// (use_session_congestion_control), peer text from `remote` (what accept() reported) or else from the socket.
TransportLink tcp_link(asio::ip::tcp::socket socket, std::optional<asio::ip::tcp::endpoint> remote = std::nullopt);

}  // namespace elfdesk
