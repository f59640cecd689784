// One TLS connection carrying elfdesk frames: a writer coroutine whose control queue always goes before
// video, framed reads with per-type caps, a deadline on every operation, keep-alive pings with round-trip
// measurement, and one failure path (fail()). Lives on the network thread: not thread-safe; other
// threads post() to its executor. Owned by shared_ptr; coroutines hold a reference while they run.
#pragma once
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

namespace elfdesk {

enum class TlsRole { client, server };

struct ConnectionTimeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds handshake{10000};
  std::chrono::milliseconds write{15000};
  std::chrono::milliseconds idle{20000};       // no byte from the peer for this long: dead
  std::chrono::milliseconds keepalive{5000};   // ping interval once started
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Stream = asio::ssl::stream<asio::ip::tcp::socket>;
  using Clock = std::chrono::steady_clock;

  static std::shared_ptr<Connection> make(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                                          ConnectionTimeouts timeouts = {});
  // A connection that still has to dial: use connect() before handshake().
  static std::shared_ptr<Connection> make_unconnected(const asio::any_io_executor& executor,
                                                      asio::ssl::context& tls, ConnectionTimeouts timeouts = {});
  ~Connection();

  asio::awaitable<std::expected<void, Error>> connect(std::string host, std::uint16_t port);
  asio::awaitable<std::expected<void, Error>> handshake(TlsRole role);
  // Starts the writer and keep-alive; send() works only after this.
  void start();

  // The next message. Ping/Pong are answered and measured here and never returned; unknown message
  // types are skipped (ids are append-only). Fails the connection on a protocol error or timeout.
  asio::awaitable<std::expected<protocol::Message, Error>> receive(std::chrono::milliseconds timeout);
  asio::awaitable<std::expected<protocol::Message, Error>> receive() { return receive(timeouts_.idle); }

  // Queues a message; false when the connection is closing or failed. Video goes after all control.
  bool send(const protocol::Message& message);
  // Sends Goodbye, flushes what is queued, closes TLS; then the connection ends with ErrorCode::closed.
  void close(protocol::GoodbyeReason reason, std::string message);
  // The one failure path: records the first error, closes the socket, wakes every coroutine.
  void fail(Error error);

  bool is_open() const { return !error_.has_value(); }
  const std::optional<Error>& error() const { return error_; }
  const std::string& peer() const { return peer_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::size_t queued_video() const { return video_.size(); }
  // The largest message payload accepted from the peer from now on (never above each type's cap).
  // The host lowers it to control size until the peer has authenticated.
  void limit_incoming(std::size_t max_payload) { decoder_.set_max_payload(max_payload); }
  std::optional<std::chrono::microseconds> round_trip() const { return rtt_; }
  Stream& stream() { return stream_; }
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Called once, on the network thread, when the connection ends for any reason.
  void set_on_closed(std::function<void(const Error&)> on_closed) { on_closed_ = std::move(on_closed); }
  // Called on the network thread after a picture update (VideoFrame, PixelUpdate) has been fully written.
  void set_on_video_written(std::function<void(std::uint64_t frame_id)> f) { on_video_written_ = std::move(f); }

  Connection(asio::ip::tcp::socket socket, asio::ssl::context& tls, ConnectionTimeouts timeouts);

 private:
  struct Outgoing {
    std::vector<std::uint8_t> bytes;
    std::uint64_t video_frame_id = 0;  // non-zero for picture updates (VideoFrame, PixelUpdate)
  };
  void spawn_loop(asio::awaitable<void> (Connection::*loop)());
  asio::awaitable<void> writer();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> keepalive();
  void arm(Clock::time_point& deadline, std::chrono::milliseconds timeout);
  void disarm(Clock::time_point& deadline) { deadline = Clock::time_point::max(); }
  std::expected<std::optional<protocol::Message>, Error> next_buffered();

  Stream stream_;
  ConnectionTimeouts timeouts_;
  std::string peer_;
  protocol::FrameDecoder decoder_;
  std::deque<Outgoing> control_, video_;
  std::size_t control_bytes_ = 0;
  asio::steady_timer write_signal_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer keepalive_timer_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  const char* read_what_ = "reading";
  std::optional<Error> error_;
  bool started_ = false;
  bool closing_ = false;
  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0;
  std::uint64_t ping_nonce_ = 0;
  std::optional<std::chrono::microseconds> rtt_;
  std::function<void(const Error&)> on_closed_;
  std::function<void(std::uint64_t)> on_video_written_;
  std::shared_ptr<Connection> self_;  // keeps us alive while loops_running_ > 0
  int loops_running_ = 0;
};

}  // namespace elfdesk
