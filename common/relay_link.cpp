#include "common/relay_link.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <functional>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
// Per direction: a relay that stops reading stops us reading from the session, and the other way round.
constexpr std::size_t kPumpBuffer = 16 * 1024;
// After our side ended, how long the relay may take to finish the other direction before we cut it.
constexpr auto kLinger = std::chrono::seconds(5);
// Rendezvous messages waiting to be written. Only a relay that sends Pings and never reads our Pongs
// gets there: it is cut off rather than let the queue grow.
constexpr std::size_t kMaxQueuedFrames = 64;

std::string openssl_reason(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return what + ": " + text.data();
}

// Runs `on_expiry` once `after` has passed, unless destroyed first. The handler never touches what
// `on_expiry` refers to after destruction (`state->active`), also when it was already queued.
class Deadline {
 public:
  Deadline(const asio::any_io_executor& executor, std::chrono::milliseconds after, std::function<void()> on_expiry)
      : timer_(executor, after), state_(std::make_shared<State>()) {
    timer_.async_wait([state = state_, f = std::move(on_expiry)](const asio::error_code& ec) {
      if (ec || !state->active) return;
      state->expired = true;
      f();
    });
  }
  ~Deadline() {
    state_->active = false;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    bool active = true;
    bool expired = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

Error read_error(const asio::error_code& ec, bool expired, const std::string& where) {
  if (expired) return make_error(ErrorCode::timeout, "the relay " + where + " did not answer in time");
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    return make_error(ErrorCode::closed, "the relay " + where + " closed the connection");
  return make_error(ErrorCode::io, "connection to the relay " + where + " failed: " + ec.message());
}

// The certificate must name `name`: a DNS name (also sent as SNI) or an IP address.
void expect_name(SSL* ssl, const std::string& name) {
  asio::error_code ec;
  (void)asio::ip::make_address(name, ec);
  if (ec) {
    // SSL_set_tlsext_host_name() without its C cast (-Wold-style-cast).
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
    SSL_set1_host(ssl, name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  }
}

}  // namespace

std::expected<asio::ssl::context, Error> make_relay_tls_context(const std::string& ca_file) {
  try {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX* h = ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(h, TLS1_3_VERSION) != 1 || SSL_CTX_set_max_proto_version(h, TLS1_3_VERSION) != 1)
      return std::unexpected(make_error(ErrorCode::tls, openssl_reason("restricting the relay's TLS to 1.3")));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(h) != 1)
        return std::unexpected(make_error(ErrorCode::tls, openssl_reason("loading the system trust store")));
    } else if (SSL_CTX_load_verify_locations(h, ca_file.c_str(), nullptr) != 1) {
      return std::unexpected(make_error(ErrorCode::invalid_argument, openssl_reason("cannot load the relay CA " + ca_file)));
    }
    return ctx;
  } catch (const std::exception& e) {  // asio::ssl::context throws when OpenSSL cannot make one
    return std::unexpected(make_error(ErrorCode::tls, std::string("cannot set up TLS for the relay: ") + e.what()));
  }
}

asio::awaitable<std::expected<std::shared_ptr<RelayLink>, Error>> RelayLink::dial(asio::ssl::context& tls,
                                                                                  RelayEndpoint where,
                                                                                  std::chrono::milliseconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  const std::string text = where.host + ":" + std::to_string(where.port);
  DialTransport dialer(executor, where.host, where.port, timeout);
  auto link = co_await dialer.next();
  if (!link) co_return std::unexpected(make_error(link.error().code, "relay: " + link.error().detail));
  Stream stream(std::move(link->stream), tls);
  const std::string name = where.verify_name.empty() ? where.host : where.verify_name;
  expect_name(stream.native_handle(), name);
  asio::error_code ec;
  {
    Deadline deadline(executor, timeout, [&stream] {
      asio::error_code ignored;
      stream.lowest_layer().close(ignored);
    });
    std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (deadline.expired()) co_return std::unexpected(make_error(ErrorCode::timeout, "relay " + text + ": TLS timed out"));
  }
  if (ec) {
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK)
      co_return std::unexpected(make_error(ErrorCode::tls, "relay " + text + ": its certificate is not trusted for " +
                                                               name + ": " + X509_verify_cert_error_string(verify)));
    co_return std::unexpected(make_error(ErrorCode::tls, "relay " + text + ": TLS failed: " + ec.message()));
  }
  co_return std::make_shared<RelayLink>(std::move(stream), link->address, text);
}

RelayLink::RelayLink(Stream stream, std::string peer_address, std::string where)
    : stream_(std::move(stream)), linger_(stream_.get_executor()), peer_address_(std::move(peer_address)), where_(std::move(where)) {}

std::expected<void, Error> RelayLink::send(const protocol::RelayMessage& message) {
  auto frame = protocol::encode_relay_frame(message);
  if (!frame) return std::unexpected(frame.error());
  if (queue_.size() >= kMaxQueuedFrames) {
    close();
    return std::unexpected(make_error(ErrorCode::oversized, "the relay " + where_ + " does not read what we send"));
  }
  queue_.push_back(std::move(*frame));
  if (!writing_ && open_) {
    writing_ = true;
    asio::co_spawn(stream_.get_executor(), write_loop(), asio::detached);
  }
  return {};
}

asio::awaitable<void> RelayLink::write_loop() {
  auto self = shared_from_this();
  while (!queue_.empty() && open_) {
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(queue_.front()), kTuple);
    if (ec) {
      close();
      break;
    }
    queue_.pop_front();
  }
  writing_ = false;
}

asio::awaitable<std::expected<protocol::RelayMessage, Error>> RelayLink::receive(std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  Deadline deadline(stream_.get_executor(), timeout, [self] { self->close(); });
  std::array<std::uint8_t, 2> head{};
  auto [ec, n] = co_await asio::async_read(stream_, asio::buffer(head), kTuple);
  if (ec) co_return std::unexpected(read_error(ec, deadline.expired(), where_));
  auto length = protocol::relay_body_length(head[0], head[1]);
  if (!length) {
    close();
    co_return std::unexpected(length.error());
  }
  std::vector<std::uint8_t> body(*length);
  std::tie(ec, n) = co_await asio::async_read(stream_, asio::buffer(body), kTuple);
  if (ec) co_return std::unexpected(read_error(ec, deadline.expired(), where_));
  auto message = protocol::decode_relay_body(body);
  if (!message) close();
  co_return message;
}

void RelayLink::close() {
  open_ = false;
  linger_.cancel();
  asio::error_code ignored;
  stream_.lowest_layer().close(ignored);
}

std::expected<ByteStream, Error> RelayLink::splice() {
  const auto executor = stream_.get_executor();
  asio::local::stream_protocol::socket ours(executor), theirs(executor);
  asio::error_code ec;
  asio::local::connect_pair(ours, theirs, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::io, "cannot make a socketpair for the relay: " + ec.message()));
  auto inner = std::make_shared<ByteStream>(std::move(ours));
  asio::co_spawn(executor, pump_from_relay(inner), asio::detached);
  asio::co_spawn(executor, pump_to_relay(inner), asio::detached);
  return ByteStream(std::move(theirs));
}

// Relay -> session. When the relay side ends (the peer left, or the relay died), the session reads
// end-of-stream after everything that came before it, and its own ending closes the other direction.
asio::awaitable<void> RelayLink::pump_from_relay(std::shared_ptr<ByteStream> inner) {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buffer(kPumpBuffer);
  while (true) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), kTuple);
    if (ec) break;
    std::tie(ec, n) = co_await asio::async_write(*inner, asio::buffer(buffer.data(), n), kTuple);
    if (ec) break;
  }
  asio::error_code ignored;
  inner->shutdown(asio::socket_base::shutdown_send, ignored);
  close();
}

// Session -> relay. When the session closes its end, the relay gets our FIN after the last bytes (a
// close with unread data would reset the connection and could lose the session's Goodbye); the other
// direction then has kLinger to finish before both are cut.
asio::awaitable<void> RelayLink::pump_to_relay(std::shared_ptr<ByteStream> inner) {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buffer(kPumpBuffer);
  bool relay_broke = false;
  while (true) {
    auto [ec, n] = co_await inner->async_read_some(asio::buffer(buffer), kTuple);
    if (ec) break;
    std::tie(ec, n) = co_await asio::async_write(stream_, asio::buffer(buffer.data(), n), kTuple);
    if (ec) {
      relay_broke = true;
      break;
    }
  }
  asio::error_code ignored;
  if (!relay_broke && open_) {
    stream_.lowest_layer().shutdown(asio::socket_base::shutdown_send, ignored);
    linger_.expires_after(kLinger);  // close() (the other direction's end) cuts it short
    co_await linger_.async_wait(kTuple);
  }
  close();
  inner->close(ignored);
}

}  // namespace elfdesk
