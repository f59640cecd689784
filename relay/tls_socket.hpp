// One server-side TLS 1.3 connection of the relay, driven straight through OpenSSL (SSL_read_ex /
// SSL_write_ex on a non-blocking socket, asio readiness waits). Network thread only; owned by the
// connection that uses it. Why not asio::ssl::stream: it keeps two 17 KiB buffers per stream whatever
// the traffic, while this keeps none between records (SSL_MODE_RELEASE_BUFFERS): see docs/relay.md.
#pragma once
#include <asio.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "protocol/error.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace elfdesk::relay {

// The relay's TLS 1.3 server context from a certificate chain and key (PEM). invalid_argument when
// the files cannot be read or do not match. Shared read-only by every connection; the caller owns it.
struct SslCtxDeleter {
  void operator()(ssl_ctx_st* ctx) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxDeleter>;
std::expected<SslCtxPtr, Error> make_relay_server_context(const std::string& cert_file, const std::string& key_file);

class TlsSocket {
 public:
  // Takes the accepted socket; fails (tls) only when OpenSSL cannot make the SSL object.
  static std::expected<std::unique_ptr<TlsSocket>, Error> make(asio::ip::tcp::socket socket, ssl_ctx_st* ctx);
  TlsSocket(asio::ip::tcp::socket socket, ssl_st* ssl);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  asio::awaitable<std::error_code> handshake();
  // Until there is something to read (OpenSSL holds unread bytes, or the socket has data). Reading only
  // then keeps an idle connection without OpenSSL's ~17 KiB read buffer, and lets the splice take its
  // buffer only when bytes are there (relay/splice.cpp).
  asio::awaitable<std::error_code> wait_readable();
  // Up to into.size() bytes of plaintext (at least one), or an error (asio::error::eof at the end).
  // wait_first: wait_readable() before asking OpenSSL.
  asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<std::uint8_t> into,
                                                                     bool wait_first = true);
  // Reads exactly into.size() bytes.
  asio::awaitable<std::error_code> read_exact(std::span<std::uint8_t> into);
  // Writes every byte (partial writes continue); one writer at a time.
  asio::awaitable<std::error_code> write_all(std::span<const std::uint8_t> bytes);
  // Sends close_notify (our direction ends; the peer may still send). Best effort.
  asio::awaitable<void> shutdown_send();
  // Ends the connection: every pending wait ends with operation_aborted. Idempotent.
  void close();
  bool is_open() const { return !closed_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  asio::awaitable<std::error_code> wait_for(int ssl_error, int result);

  asio::ip::tcp::socket socket_;
  ssl_st* ssl_;
  bool closed_ = false;
};

}  // namespace elfdesk::relay
