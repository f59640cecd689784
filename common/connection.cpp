#include "common/connection.hpp"

#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk {
namespace {

using asio::use_awaitable;
constexpr auto kTuple = asio::experimental::as_tuple(use_awaitable);
// A peer that stops reading must not make us buffer without bound.
constexpr std::size_t kMaxQueuedControlBytes = 16u << 20;
constexpr std::size_t kMaxQueuedVideoFrames = 8;

std::optional<std::uint64_t> picture_frame_id(const protocol::Message& message) {
  if (const auto* video = std::get_if<protocol::VideoFrame>(&message)) return video->frame_id;
  if (const auto* pixels = std::get_if<protocol::PixelUpdate>(&message)) return pixels->frame_id;
  return std::nullopt;
}

std::string endpoint_text(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

Error io_error(const char* what, const asio::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    return make_error(ErrorCode::closed, std::string("connection closed by peer while ") + what);
  return make_error(ErrorCode::io, std::string(what) + ": " + ec.message());
}

}  // namespace

std::shared_ptr<Connection> Connection::make(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                                             ConnectionTimeouts timeouts) {
  auto conn = std::make_shared<Connection>(std::move(socket), tls, timeouts);
  conn->spawn_loop(&Connection::watchdog);
  return conn;
}

std::shared_ptr<Connection> Connection::make_unconnected(const asio::any_io_executor& executor,
                                                         asio::ssl::context& tls, ConnectionTimeouts timeouts) {
  return make(asio::ip::tcp::socket(executor), tls, timeouts);
}

Connection::Connection(asio::ip::tcp::socket socket, asio::ssl::context& tls, ConnectionTimeouts timeouts)
    : stream_(std::move(socket), tls),
      timeouts_(timeouts),
      peer_(endpoint_text(stream_.next_layer())),
      write_signal_(stream_.get_executor()),
      watchdog_timer_(stream_.get_executor()),
      keepalive_timer_(stream_.get_executor()) {
  write_signal_.expires_at(Clock::time_point::max());
}

Connection::~Connection() = default;

void Connection::arm(Clock::time_point& deadline, std::chrono::milliseconds timeout) {
  deadline = Clock::now() + timeout;
  if (deadline < watchdog_timer_.expiry()) watchdog_timer_.cancel();  // watchdog re-reads deadlines
}

// The detached loops keep the connection alive through one member rather than each holding a copy:
// self_ is set while any loop runs and dropped (posted) once the last one has finished.
void Connection::spawn_loop(asio::awaitable<void> (Connection::*loop)()) {
  if (loops_running_++ == 0) self_ = shared_from_this();
  asio::co_spawn(executor(), (this->*loop)(), [this](std::exception_ptr) {
    if (--loops_running_ == 0) asio::post(executor(), [keep = std::move(self_)] {});
  });
}

asio::awaitable<void> Connection::watchdog() {
  while (is_open()) {
    watchdog_timer_.expires_at(std::min(read_deadline_, write_deadline_));
    co_await watchdog_timer_.async_wait(kTuple);
    if (!is_open()) break;
    const auto now = Clock::now();
    if (now >= read_deadline_)
      fail(make_error(ErrorCode::timeout, std::string("peer sent nothing in time while ") + read_what_));
    else if (now >= write_deadline_)
      fail(make_error(ErrorCode::timeout, "peer is not reading (write deadline expired)"));
  }
}

asio::awaitable<std::expected<void, Error>> Connection::connect(std::string host, std::uint16_t port) {
  auto self = shared_from_this();
  read_what_ = "connecting";
  arm(read_deadline_, timeouts_.connect);
  asio::ip::tcp::resolver resolver(executor());
  auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), kTuple);
  if (rec) {
    disarm(read_deadline_);
    fail(make_error(ErrorCode::io, "cannot resolve " + host + ": " + rec.message()));
    co_return std::unexpected(*error_);
  }
  auto [ec, ep] = co_await asio::async_connect(stream_.next_layer(), endpoints, kTuple);
  disarm(read_deadline_);
  if (!is_open()) co_return std::unexpected(*error_);
  if (ec) {
    fail(make_error(ErrorCode::io, "cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message()));
    co_return std::unexpected(*error_);
  }
  peer_ = endpoint_text(stream_.next_layer());
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true));
  co_return std::expected<void, Error>{};
}

asio::awaitable<std::expected<void, Error>> Connection::handshake(TlsRole role) {
  auto self = shared_from_this();
  asio::error_code nodelay_ec;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
  read_what_ = "in the TLS handshake";
  arm(read_deadline_, timeouts_.handshake);
  const auto type = role == TlsRole::client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
  auto [ec] = co_await stream_.async_handshake(type, kTuple);
  disarm(read_deadline_);
  if (!is_open()) co_return std::unexpected(*error_);
  if (ec) {
    fail(make_error(ErrorCode::tls, "TLS handshake with " + peer_ + " failed: " + ec.message()));
    co_return std::unexpected(*error_);
  }
  co_return std::expected<void, Error>{};
}

void Connection::start() {
  if (started_ || !is_open()) return;
  started_ = true;
  spawn_loop(&Connection::writer);
  spawn_loop(&Connection::keepalive);
}

std::expected<std::optional<protocol::Message>, Error> Connection::next_buffered() {
  while (true) {
    auto frame = decoder_.next();
    if (!frame) return std::unexpected(frame.error());
    if (!*frame) return std::optional<protocol::Message>{};
    auto message = protocol::decode_frame(**frame);
    if (!message) {
      if (message.error().code == ErrorCode::unknown_type) {
        log::debug("skipping unknown message type {} from {}", (*frame)->type, peer_);
        continue;
      }
      return std::unexpected(message.error());
    }
    if (auto* ping = std::get_if<protocol::Ping>(&*message)) {
      send(protocol::Pong{ping->nonce, ping->sent_us});
      continue;
    }
    if (auto* pong = std::get_if<protocol::Pong>(&*message)) {
      rtt_ = std::chrono::microseconds(monotonic_us() - pong->sent_us);
      continue;
    }
    return std::optional<protocol::Message>{std::move(*message)};
  }
}

asio::awaitable<std::expected<protocol::Message, Error>> Connection::receive(std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  std::array<std::uint8_t, 64 * 1024> buffer;
  while (is_open()) {
    auto buffered = next_buffered();
    if (!buffered) {
      fail(make_error(ErrorCode::malformed, "protocol error from " + peer_ + ": " + buffered.error().detail));
      break;
    }
    if (*buffered) co_return std::move(**buffered);
    read_what_ = "waiting for a message";
    arm(read_deadline_, timeout);
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), kTuple);
    disarm(read_deadline_);
    if (!is_open()) break;
    if (ec) {
      fail(io_error("reading", ec));
      break;
    }
    bytes_received_ += n;
    decoder_.feed(std::span<const std::uint8_t>(buffer.data(), n));
  }
  co_return std::unexpected(*error_);
}

bool Connection::send(const protocol::Message& message) {
  if (!is_open() || closing_) return false;
  auto bytes = protocol::encode_frame(message);
  if (!bytes) {
    log::error("cannot encode {} for {}: {}", protocol::name_of(protocol::type_of(message)), peer_,
               bytes.error().detail);
    return false;
  }
  // Picture updates share one queue: the viewer composes them in the order the host made them, so a
  // small PixelUpdate must never overtake a VideoFrame queued before it.
  if (const auto frame_id = picture_frame_id(message)) {
    if (video_.size() >= kMaxQueuedVideoFrames) return false;  // the scheduler should never get here
    video_.push_back({std::move(*bytes), *frame_id});
  } else {
    control_bytes_ += bytes->size();
    control_.push_back({std::move(*bytes), 0});
    if (control_bytes_ > kMaxQueuedControlBytes) {
      fail(make_error(ErrorCode::timeout, "peer is not reading: send queue overflow"));
      return false;
    }
  }
  write_signal_.cancel();
  return true;
}

void Connection::close(protocol::GoodbyeReason reason, std::string message) {
  if (!is_open() || closing_) return;
  if (!started_) start();
  send(protocol::Goodbye{reason, std::move(message)});
  closing_ = true;
  video_.clear();
  write_signal_.cancel();
  keepalive_timer_.cancel();
}

asio::awaitable<void> Connection::writer() {
  while (is_open()) {
    if (control_.empty() && video_.empty()) {
      if (closing_) break;
      write_signal_.expires_at(Clock::time_point::max());
      co_await write_signal_.async_wait(kTuple);
      continue;
    }
    auto& queue = control_.empty() ? video_ : control_;
    Outgoing out = std::move(queue.front());
    queue.pop_front();
    if (&queue == &control_) control_bytes_ -= out.bytes.size();
    arm(write_deadline_, timeouts_.write);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out.bytes), kTuple);
    disarm(write_deadline_);
    if (!is_open()) co_return;
    if (ec) {
      fail(io_error("writing", ec));
      co_return;
    }
    bytes_sent_ += n;
    if (out.video_frame_id != 0 && on_video_written_) on_video_written_(out.video_frame_id);
  }
  if (closing_ && is_open()) {
    log::debug("connection {}: queue flushed, closing TLS", peer_);
    arm(write_deadline_, std::chrono::milliseconds(2000));
    co_await stream_.async_shutdown(kTuple);  // close_notify; the peer may already be gone
    disarm(write_deadline_);
    fail(make_error(ErrorCode::closed, "connection closed"));
  }
}

asio::awaitable<void> Connection::keepalive() {
  while (is_open() && !closing_) {
    keepalive_timer_.expires_after(timeouts_.keepalive);
    co_await keepalive_timer_.async_wait(kTuple);
    if (!is_open() || closing_) break;
    send(protocol::Ping{++ping_nonce_, monotonic_us()});
  }
}

void Connection::fail(Error error) {
  if (error_) return;
  log::debug("connection {} ends: {}", peer_, error.detail);
  error_ = std::move(error);
  asio::error_code ignored;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
  write_signal_.cancel();
  watchdog_timer_.cancel();
  keepalive_timer_.cancel();
  control_.clear();
  video_.clear();
  if (on_closed_) {
    auto callback = std::move(on_closed_);
    on_closed_ = nullptr;
    asio::post(executor(), [callback, e = *error_, self = shared_from_this()] { callback(e); });
  }
}

}  // namespace elfdesk
