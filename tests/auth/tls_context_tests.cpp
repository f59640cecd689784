// Real TLS 1.3 over loopback (ephemeral ports): exporter agreement, version pinning, and SPAKE2
// bound to the channel, including a simulated man in the middle with two TLS connections.
#include "common/auth/tls_context.hpp"

#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "common/auth/session_code.hpp"
#include "common/auth/spake2.hpp"

namespace elfdesk::auth {
namespace {

using asio::ip::tcp;
using SslStream = asio::ssl::stream<tcp::socket>;
constexpr auto kToken = asio::experimental::as_tuple(asio::use_awaitable);

struct Side {
  std::error_code handshake_error;
  int version = 0;
  std::optional<std::vector<std::uint8_t>> binding;
};

struct Handshake {
  Side host;
  Side engineer;
};

enum class Dialer { engineer, host };  // who opens the TCP connection (reverse mode: the host)

Side finish(SslStream& stream, std::error_code ec) {
  Side side{ec, 0, std::nullopt};
  if (ec) return side;
  side.version = SSL_version(stream.native_handle());
  auto binding = export_channel_binding(stream);
  if (binding) side.binding = *binding;
  return side;
}

// One TLS connection on 127.0.0.1 with an ephemeral port; host is the TLS server either way.
Handshake handshake(asio::ssl::context& host_ctx, asio::ssl::context& engineer_ctx,
                    Dialer dialer = Dialer::engineer) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const tcp::endpoint endpoint = acceptor.local_endpoint();
  SslStream host(io, host_ctx);
  SslStream engineer(io, engineer_ctx);
  Handshake result;
  auto run = [&](SslStream& stream, bool listens, asio::ssl::stream_base::handshake_type type,
                 Side& out) -> asio::awaitable<void> {
    auto [tcp_ec] = listens ? co_await acceptor.async_accept(stream.lowest_layer(), kToken)
                            : co_await stream.lowest_layer().async_connect(endpoint, kToken);
    if (tcp_ec) {
      out.handshake_error = tcp_ec;
      co_return;
    }
    auto [ec] = co_await stream.async_handshake(type, kToken);
    out = finish(stream, ec);
    if (ec) stream.lowest_layer().close();  // let the peer see the failure promptly
  };
  const bool host_listens = dialer == Dialer::engineer;
  asio::co_spawn(io, run(host, host_listens, asio::ssl::stream_base::server, result.host), asio::detached);
  asio::co_spawn(io, run(engineer, !host_listens, asio::ssl::stream_base::client, result.engineer),
                 asio::detached);
  io.run_for(std::chrono::seconds(10));
  return result;
}

}  // namespace

TEST_CASE("TLS 1.3 handshake on loopback: both ends export the same binding") {
  auto host_ctx = make_host_tls_context();
  auto engineer_ctx = make_engineer_tls_context();
  Handshake first = handshake(host_ctx, engineer_ctx);
  REQUIRE_FALSE(first.host.handshake_error);
  REQUIRE_FALSE(first.engineer.handshake_error);
  CHECK(first.host.version == TLS1_3_VERSION);
  CHECK(first.engineer.version == TLS1_3_VERSION);
  REQUIRE(first.host.binding.has_value());
  REQUIRE(first.engineer.binding.has_value());
  CHECK(first.host.binding->size() == kChannelBindingSize);
  CHECK(*first.host.binding == *first.engineer.binding);

  Handshake second = handshake(host_ctx, engineer_ctx);
  REQUIRE(second.host.binding.has_value());
  REQUIRE(second.engineer.binding.has_value());
  CHECK(*second.host.binding == *second.engineer.binding);
  CHECK(*second.host.binding != *first.host.binding);  // every connection is bound separately
}

TEST_CASE("reverse mode: the host dials out but is still the TLS server") {
  auto host_ctx = make_host_tls_context();
  auto engineer_ctx = make_engineer_tls_context();
  Handshake h = handshake(host_ctx, engineer_ctx, Dialer::host);
  REQUIRE_FALSE(h.host.handshake_error);
  REQUIRE_FALSE(h.engineer.handshake_error);
  REQUIRE(h.host.binding.has_value());
  REQUIRE(h.engineer.binding.has_value());
  CHECK(*h.host.binding == *h.engineer.binding);
}

TEST_CASE("the host refuses a TLS 1.2-only client") {
  auto host_ctx = make_host_tls_context();
  asio::ssl::context old_client(asio::ssl::context::tls_client);
  REQUIRE(SSL_CTX_set_max_proto_version(old_client.native_handle(), TLS1_2_VERSION) == 1);
  old_client.set_verify_mode(asio::ssl::verify_none);
  Handshake h = handshake(host_ctx, old_client);
  CHECK(h.engineer.handshake_error);
  REQUIRE(h.host.handshake_error);
  // Refused by TLS version negotiation, not by some network accident.
  CHECK(h.host.handshake_error.category() == asio::error::get_ssl_category());
  CHECK(h.host.handshake_error.message().find("unsupported protocol") != std::string::npos);
  CHECK_FALSE(h.host.binding.has_value());
}

TEST_CASE("each host context has its own fresh P-256 certificate") {
  auto a = make_host_tls_context();
  auto b = make_host_tls_context();
  X509* cert_a = SSL_CTX_get0_certificate(a.native_handle());
  X509* cert_b = SSL_CTX_get0_certificate(b.native_handle());
  REQUIRE(cert_a != nullptr);
  REQUIRE(cert_b != nullptr);
  CHECK(X509_cmp(cert_a, cert_b) != 0);
  EVP_PKEY* key = X509_get0_pubkey(cert_a);
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_get_bits(key) == 256);
  CHECK(EVP_PKEY_is_a(key, "EC") == 1);
}

TEST_CASE("the binding is refused before the handshake") {
  asio::io_context io;
  auto ctx = make_engineer_tls_context();
  SslStream stream(io, ctx);
  auto r = export_channel_binding(stream);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::tls);
}

namespace {

std::pair<bool, bool> spake2_over(std::span<const std::uint8_t> engineer_aad, std::span<const std::uint8_t> host_aad,
                                  const std::string& code) {
  const std::vector<std::uint8_t> pw(code.begin(), code.end());
  auto a = Spake2Party::create(Spake2Role::engineer, pw, kSpake2IdEngineer, kSpake2IdHost, engineer_aad);
  auto b = Spake2Party::create(Spake2Role::host, pw, kSpake2IdEngineer, kSpake2IdHost, host_aad);
  REQUIRE((a && b));
  REQUIRE(a->process_peer_share(b->share()).has_value());
  REQUIRE(b->process_peer_share(a->share()).has_value());
  return {a->verify_peer_confirmation(b->confirmation()).has_value(),
          b->verify_peer_confirmation(a->confirmation()).has_value()};
}

}  // namespace

TEST_CASE("SPAKE2 bound to the TLS exporter: end to end passes, a TLS-terminating relay fails") {
  auto host_ctx = make_host_tls_context();
  auto mitm_ctx = make_host_tls_context();  // the attacker's own TLS server towards the engineer
  auto engineer_ctx = make_engineer_tls_context();
  const std::string code = generate_session_code();

  Handshake direct = handshake(host_ctx, engineer_ctx);
  REQUIRE((direct.host.binding && direct.engineer.binding));
  auto [engineer_ok, host_ok] = spake2_over(*direct.engineer.binding, *direct.host.binding, code);
  CHECK(engineer_ok);
  CHECK(host_ok);

  // Relay: engineer <-TLS-> attacker <-TLS-> host; the attacker forwards the SPAKE2 messages verbatim.
  Handshake engineer_leg = handshake(mitm_ctx, engineer_ctx);
  auto attacker_client_ctx = make_engineer_tls_context();
  Handshake host_leg = handshake(host_ctx, attacker_client_ctx);
  REQUIRE((engineer_leg.engineer.binding && host_leg.host.binding));
  auto [relayed_engineer_ok, relayed_host_ok] =
      spake2_over(*engineer_leg.engineer.binding, *host_leg.host.binding, code);
  CHECK_FALSE(relayed_engineer_ok);
  CHECK_FALSE(relayed_host_ok);
}

}  // namespace elfdesk::auth
