#include "common/auth/crypto_util.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <memory>

namespace elfdesk::auth {
namespace {

struct KdfDeleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

std::unexpected<Error> internal(std::string_view what) {
  return std::unexpected(make_error(ErrorCode::internal, openssl_error(what)));
}

// OSSL_PARAM wants mutable pointers even for inputs it only reads.
void* param_ptr(std::span<const std::uint8_t> bytes) { return const_cast<std::uint8_t*>(bytes.data()); }

}  // namespace

std::string openssl_error(std::string_view what) {
  std::string out(what);
  if (unsigned long code = ERR_get_error(); code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    out += ": ";
    out += buf.data();
  }
  ERR_clear_error();
  return out;
}

std::expected<std::vector<std::uint8_t>, Error> sha256(std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size()) {
    return internal("SHA-256");
  }
  return out;
}

std::expected<std::vector<std::uint8_t>, Error> hkdf_sha256(std::span<const std::uint8_t> salt,
                                                            std::span<const std::uint8_t> ikm,
                                                            std::span<const std::uint8_t> info,
                                                            std::size_t length) {
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return internal("fetching HKDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return internal("HKDF context");
  char digest[] = "SHA256";
  std::array<OSSL_PARAM, 5> params{};
  std::size_t i = 0;
  params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_ptr(ikm), ikm.size());
  if (!salt.empty()) {
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, param_ptr(salt), salt.size());
  }
  params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, param_ptr(info), info.size());
  params[i] = OSSL_PARAM_construct_end();
  std::vector<std::uint8_t> out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) return internal("HKDF-SHA256");
  return out;
}

std::expected<std::vector<std::uint8_t>, Error> hmac_sha256(std::span<const std::uint8_t> key,
                                                            std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) ==
          nullptr ||
      len != out.size()) {
    return internal("HMAC-SHA256");
  }
  return out;
}

}  // namespace elfdesk::auth
