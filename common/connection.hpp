// One TLS connection carrying elfdesk frames over a Transport's byte stream: a writer coroutine taking
// from three lanes (control before video before bulk, see send_lanes.hpp), framed reads with per-type
// caps, a deadline on every operation, keep-alive pings with round-trip measurement, tight limits until
// the peer has authenticated, and one failure path (fail()). Lives on the network thread: not
// thread-safe; other threads post() to its executor. Owned by shared_ptr; coroutines hold a reference.
#pragma once
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/send_lanes.hpp"
#include "common/transport.hpp"
#include "protocol/codec.hpp"
#include "protocol/error.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

namespace elfdesk {

enum class TlsRole { client, server };

struct ConnectionTimeouts {
  std::chrono::milliseconds connect{10000};    // used by the transports that dial
  std::chrono::milliseconds handshake{10000};
  std::chrono::milliseconds write{15000};
  std::chrono::milliseconds idle{20000};       // no byte from the peer for this long: dead
  std::chrono::milliseconds keepalive{5000};   // ping interval once started
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Stream = asio::ssl::stream<ByteStream>;
  using Clock = std::chrono::steady_clock;

  // Until the peer has authenticated: a few KiB of queued control messages (what the handshake sends,
  // counted with per-message overhead), no bulk, and at most one Pong waiting (docs/security.md).
  static constexpr LaneCaps kUnauthenticatedCaps{32u << 10, 0, 0, 0};
  // After: 16 MiB of control (a peer that reads nothing fails the connection past it), a bulk window
  // of 16 chunks that its producers wait on, and a few picture updates (the scheduler keeps 2 in flight;
  // 8 or 24 MiB is far above what it lets wait, so these only stop a runaway producer).
  static constexpr LaneCaps kAuthenticatedCaps{16u << 20, 1u << 20, 8, 24u << 20};

  static std::shared_ptr<Connection> make(TransportLink link, asio::ssl::context& tls,
                                          ConnectionTimeouts timeouts = {});
  ~Connection();

  asio::awaitable<std::expected<void, Error>> handshake(TlsRole role);
  // Starts the writer and keep-alive; send() works only after this.
  void start();

  // The next message. Ping/Pong are answered and measured here and never returned; unknown message
  // types are skipped (ids are append-only). Fails the connection on a protocol error or timeout.
  asio::awaitable<std::expected<protocol::Message, Error>> receive(std::chrono::milliseconds timeout);
  asio::awaitable<std::expected<protocol::Message, Error>> receive() { return receive(timeouts_.idle); }

  // Queues a message on its lane; false when the connection is closing or failed, or the lane is full.
  // Picture updates (VideoFrame, PixelUpdate) go after all control; a BulkChunk after both, and only
  // when the bulk window has room (send_bulk waits for it).
  bool send(const protocol::Message& message);
  bool send(protocol::Message&& message);  // a picture update is moved into its lane, not copied
  // Waits until the bulk window has room for the chunk, then queues it. The producer of a transfer
  // awaits this per chunk, so a transfer never trips the control overflow and never holds more than
  // the bulk window in memory. Fails when the connection ends (or before authentication).
  asio::awaitable<std::expected<void, Error>> send_bulk(protocol::BulkChunk chunk);
  // The code is proven (both sides call it after SPAKE2): lift the pre-authentication limits.
  void set_authenticated();
  // The peer's Hello carries capability::kPatchRecall: PixelPatches written from now on may name recent
  // data instead of carrying it again (protocol::PictureBase). Reading takes recalls either way.
  void allow_patch_recall() { written_picture_.recall = true; }
  // Sends Goodbye, flushes what is queued, closes TLS; then the connection ends with ErrorCode::closed.
  void close(protocol::GoodbyeReason reason, std::string message);
  // The one failure path: records the first error, closes the socket, wakes every coroutine.
  void fail(Error error);

  bool is_open() const { return !error_.has_value(); }
  bool closing() const { return closing_; }  // close() was called: the Goodbye is being flushed
  const std::optional<Error>& error() const { return error_; }
  const std::string& peer() const { return peer_; }                  // "address:port"
  const std::string& peer_address() const { return peer_address_; }  // the address alone, per-address limits
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::size_t queued_video() const { return lanes_.video_count(); }
  std::size_t queued_bulk_cost() const { return lanes_.bulk_cost(); }
  std::size_t queued_control_cost() const { return lanes_.control_cost(); }
  // The largest message payload accepted from the peer from now on (never above each type's cap).
  // The host lowers it to control size until the peer has authenticated.
  void limit_incoming(std::size_t max_payload) { decoder_.set_max_payload(max_payload); }
  std::optional<std::chrono::microseconds> round_trip() const { return rtt_; }
  Stream& stream() { return stream_; }
  asio::any_io_executor executor() { return stream_.get_executor(); }
  // Called once, on the network thread, when the connection ends for any reason.
  void set_on_closed(std::function<void(const Error&)> on_closed) { on_closed_ = std::move(on_closed); }

  Connection(TransportLink link, asio::ssl::context& tls, ConnectionTimeouts timeouts);

 private:
  void spawn_loop(asio::awaitable<void> (Connection::*loop)());
  asio::awaitable<void> writer();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> keepalive();
  void arm(Clock::time_point& deadline, std::chrono::milliseconds timeout);
  void disarm(Clock::time_point& deadline) { deadline = Clock::time_point::max(); }
  std::expected<std::optional<protocol::Message>, Error> next_buffered();
  bool queue_picture(protocol::Message picture);
  bool queue_encoded(const protocol::Message& message);
  bool encode_picture(Outgoing& out);

  Stream stream_;
  ConnectionTimeouts timeouts_;
  std::string peer_, peer_address_;
  protocol::FrameDecoder decoder_;
  // The previous picture update written and read: what a PixelPatch's compact fields are relative to.
  protocol::PictureBase written_picture_, read_picture_;
  SendLanes lanes_{kUnauthenticatedCaps};
  bool authenticated_ = false;
  asio::steady_timer write_signal_;
  asio::steady_timer bulk_room_;  // cancelled whenever a bulk chunk leaves the queue; never re-armed
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
  std::shared_ptr<Connection> self_;  // keeps us alive while loops_running_ > 0
  int loops_running_ = 0;
};

}  // namespace elfdesk
