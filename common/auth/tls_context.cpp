#include "common/auth/tls_context.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "common/auth/crypto_util.hpp"

namespace elfdesk::auth {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

constexpr long kCertValiditySeconds = 365L * 24 * 3600;  // irrelevant to trust; avoids clock-skew trouble

[[noreturn]] void throw_openssl(std::string_view what) { throw std::runtime_error(openssl_error(what)); }

void restrict_to_tls13(asio::ssl::context& ctx) {
  SSL_CTX* h = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(h, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(h, TLS1_3_VERSION) != 1) {
    throw_openssl("restricting TLS to version 1.3");
  }
  // One full handshake per connection: resumption would add nothing and complicate the binding story.
  SSL_CTX_set_session_cache_mode(h, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(h, SSL_OP_NO_TICKET);
}

X509Ptr make_self_signed(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, BnDeleter> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCertValiditySeconds) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    throw_openssl("building the host certificate");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  constexpr std::string_view kCommonName = "elfdesk-host";
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(kCommonName.data()),
                                 static_cast<int>(kCommonName.size()), -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    throw_openssl("signing the host certificate");
  }
  return cert;
}

}  // namespace

asio::ssl::context make_host_tls_context() {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  restrict_to_tls13(ctx);
  SSL_CTX* h = ctx.native_handle();
  SSL_CTX_set_num_tickets(h, 0);
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw_openssl("generating the host P-256 key");
  X509Ptr cert = make_self_signed(key.get());
  if (SSL_CTX_use_certificate(h, cert.get()) != 1 || SSL_CTX_use_PrivateKey(h, key.get()) != 1 ||
      SSL_CTX_check_private_key(h) != 1) {
    throw_openssl("installing the host certificate");
  }
  return ctx;
}

asio::ssl::context make_engineer_tls_context() {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  restrict_to_tls13(ctx);
  ctx.set_verify_mode(asio::ssl::verify_none);  // see the header: SPAKE2 over the binding authenticates
  return ctx;
}

std::expected<std::vector<std::uint8_t>, Error> export_channel_binding(
    asio::ssl::stream<asio::ip::tcp::socket>& stream) {
  return export_channel_binding_native(stream.native_handle());
}

std::expected<std::vector<std::uint8_t>, Error> export_channel_binding_native(
    asio::ssl::stream<asio::ip::tcp::socket>::native_handle_type ssl) {
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1) {
    return std::unexpected(make_error(ErrorCode::tls, "channel binding requested before the TLS handshake finished"));
  }
  if (SSL_version(ssl) != TLS1_3_VERSION) {
    return std::unexpected(make_error(ErrorCode::tls, "channel binding requires TLS 1.3"));
  }
  std::vector<std::uint8_t> out(kChannelBindingSize);
  if (SSL_export_keying_material(ssl, out.data(), out.size(), kChannelBindingLabel.data(),
                                 kChannelBindingLabel.size(), nullptr, 0, 0) != 1) {
    return std::unexpected(make_error(ErrorCode::tls, openssl_error("TLS exporter")));
  }
  return out;
}

}  // namespace elfdesk::auth
