#include "common/auth/resume_secret.hpp"

#include <openssl/crypto.h>

#include "common/auth/crypto_util.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::auth {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::expected<ResumeSecret, Error> ResumeSecret::from_session_key(std::span<const std::uint8_t> spake2_key,
                                                                 std::span<const std::uint8_t> channel_binding) {
  if (spake2_key.empty())
    return std::unexpected(make_error(ErrorCode::invalid_argument, "no session key to derive a resume secret from"));
  auto secret = hkdf_sha256(channel_binding, spake2_key, bytes_of(kResumeSecretLabel), kResumeSecretSize);
  if (!secret) return std::unexpected(secret.error());
  return ResumeSecret(std::move(*secret));
}

ResumeSecret::~ResumeSecret() {
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

// HKDF cannot fail on these sizes short of OpenSSL itself failing; then the result is empty and every
// proof check fails (never a usable all-zero key).
std::vector<std::uint8_t> ResumeSecret::derive(std::span<const std::uint8_t> salt, std::string_view label,
                                               std::size_t size) const {
  auto out = hkdf_sha256(salt, secret_, bytes_of(label), size);
  return out ? std::move(*out) : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> ResumeSecret::ticket() const {
  return derive({}, kResumeTicketLabel, limits::kResumeTicketSize);
}

std::vector<std::uint8_t> ResumeSecret::proof(std::span<const std::uint8_t> exporter) const {
  auto key = derive({}, kResumeProofLabel, kResumeSecretSize);
  if (key.empty() || exporter.empty()) return {};
  std::vector<std::uint8_t> data(kResumeProofLabel.begin(), kResumeProofLabel.end());
  data.insert(data.end(), exporter.begin(), exporter.end());
  auto mac = hmac_sha256(key, data);
  OPENSSL_cleanse(key.data(), key.size());
  return mac ? std::move(*mac) : std::vector<std::uint8_t>{};
}

bool ResumeSecret::verify(std::span<const std::uint8_t> exporter, std::span<const std::uint8_t> proof) const {
  const auto expected = this->proof(exporter);
  return expected.size() == limits::kResumeProofSize && proof.size() == expected.size() &&
         CRYPTO_memcmp(expected.data(), proof.data(), expected.size()) == 0;
}

ResumeSecret ResumeSecret::next(std::span<const std::uint8_t> exporter) const {
  return ResumeSecret(derive(exporter, kResumeNextLabel, kResumeSecretSize));
}

}  // namespace elfdesk::auth
