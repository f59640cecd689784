#include "relay/tls_socket.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk::relay {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
// Records the relay writes carry at most this much plaintext, so a write blocked by a peer that does
// not read holds a ~4.4 KiB OpenSSL buffer rather than ~16.7 KiB (the per-session memory budget).
constexpr unsigned kMaxSendFragment = 4096;

std::string openssl_text(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = {};
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return code != 0 ? what + ": " + buf : what;
}

}  // namespace

void SslCtxDeleter::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

std::expected<SslCtxPtr, Error> make_relay_server_context(const std::string& cert_file, const std::string& key_file) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return std::unexpected(make_error(ErrorCode::tls, openssl_text("creating the TLS context")));
  SSL_CTX* h = ctx.get();
  SSL_CTX_set_min_proto_version(h, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(h, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(h, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(h, 0);
  SSL_CTX_set_options(h, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(h, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_max_send_fragment(h, kMaxSendFragment);
  if (SSL_CTX_use_certificate_chain_file(h, cert_file.c_str()) != 1)
    return std::unexpected(make_error(ErrorCode::invalid_argument, openssl_text("cannot load certificate " + cert_file)));
  if (SSL_CTX_use_PrivateKey_file(h, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return std::unexpected(make_error(ErrorCode::invalid_argument, openssl_text("cannot load key " + key_file)));
  if (SSL_CTX_check_private_key(h) != 1)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      openssl_text("key " + key_file + " does not match " + cert_file)));
  return ctx;
}

std::expected<std::unique_ptr<TlsSocket>, Error> TlsSocket::make(asio::ip::tcp::socket socket, ssl_ctx_st* ctx) {
  asio::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::io, "non-blocking socket: " + ec.message()));
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, socket.native_handle()) != 1) {
    SSL_free(ssl);
    return std::unexpected(make_error(ErrorCode::tls, openssl_text("creating a TLS connection")));
  }
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsSocket>(std::move(socket), ssl);
}

TlsSocket::TlsSocket(asio::ip::tcp::socket socket, ssl_st* ssl) : socket_(std::move(socket)), ssl_(ssl) {}

TlsSocket::~TlsSocket() {
  SSL_free(ssl_);  // before the socket closes its descriptor: the SSL only refers to it
}

// The descriptor stays open until the destructor (after SSL_free): closing it here would let the
// kernel hand its number to the next accepted socket while OpenSSL still refers to it.
void TlsSocket::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.cancel(ignored);
}

// What OpenSSL asked for: wait until the socket can be read or written, or report the failure.
asio::awaitable<std::error_code> TlsSocket::wait_for(int ssl_error, int result) {
  if (closed_) co_return asio::error::operation_aborted;
  if (ssl_error == SSL_ERROR_WANT_READ) {
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, kTuple);
    co_return ec;
  }
  if (ssl_error == SSL_ERROR_WANT_WRITE) {
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_write, kTuple);
    co_return ec;
  }
  ERR_clear_error();
  if (ssl_error == SSL_ERROR_ZERO_RETURN || (ssl_error == SSL_ERROR_SYSCALL && result == 0))
    co_return asio::error::eof;
  if (ssl_error == SSL_ERROR_SYSCALL && errno != 0) co_return std::error_code(errno, std::system_category());
  co_return asio::error::connection_aborted;  // a TLS protocol error: the connection is unusable
}

asio::awaitable<std::error_code> TlsSocket::handshake() {
  for (;;) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) co_return std::error_code{};
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r); ec) co_return ec;
    if (closed_) co_return asio::error::operation_aborted;
  }
}

// SSL_read on an empty socket would allocate OpenSSL's read buffer and keep it while it waits.
asio::awaitable<std::error_code> TlsSocket::wait_readable() {
  if (closed_) co_return asio::error::operation_aborted;
  if (SSL_has_pending(ssl_) == 1) co_return std::error_code{};
  auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, kTuple);
  if (!ec && closed_) co_return asio::error::operation_aborted;
  co_return ec;
}

asio::awaitable<std::pair<std::error_code, std::size_t>> TlsSocket::read_some(std::span<std::uint8_t> into,
                                                                               bool wait_first) {
  if (wait_first)
    if (auto ec = co_await wait_readable(); ec) co_return std::pair{ec, std::size_t{0}};
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t got = 0;
    const int r = SSL_read_ex(ssl_, into.data(), into.size(), &got);
    if (r == 1) co_return std::pair{std::error_code{}, got};
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r); ec) co_return std::pair{ec, std::size_t{0}};
    if (closed_) co_return std::pair{std::error_code(asio::error::operation_aborted), std::size_t{0}};
  }
}

asio::awaitable<std::error_code> TlsSocket::read_exact(std::span<std::uint8_t> into) {
  while (!into.empty()) {
    auto [ec, got] = co_await read_some(into);
    if (ec) co_return ec;
    into = into.subspan(got);
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> TlsSocket::write_all(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int r = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written);
    if (r == 1) {
      bytes = bytes.subspan(written);
      continue;
    }
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, r), r); ec) co_return ec;
    if (closed_) co_return asio::error::operation_aborted;
  }
  co_return std::error_code{};
}

asio::awaitable<void> TlsSocket::shutdown_send() {
  for (int tries = 0; tries < 8 && !closed_; ++tries) {
    ERR_clear_error();
    const int r = SSL_shutdown(ssl_);
    if (r >= 0) co_return;  // close_notify sent (0: the peer's not seen yet, which is fine)
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) co_return;
    if (auto ec = co_await wait_for(err, r); ec) co_return;
  }
}

}  // namespace elfdesk::relay
