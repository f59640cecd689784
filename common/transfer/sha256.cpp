#include "common/transfer/sha256.hpp"

#include <openssl/evp.h>

namespace elfdesk::transfer {

struct Sha256::Ctx {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> md{EVP_MD_CTX_new()};
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) { EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size());
}

std::vector<std::uint8_t> Sha256::finish() {
  std::vector<std::uint8_t> out(32);
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), out.data(), &size);
  out.resize(size);
  EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr);
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace elfdesk::transfer
