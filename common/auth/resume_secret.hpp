// One generation of a session's resumption secret: derived from the SPAKE2 key (HKDF, its own label),
// it names the session (ticket) and proves knowledge of it bound to one TLS connection's exporter (proof).
// After every successful resume both sides step to next(new exporter): each secret is used once.
// Value type, any thread; the secret is wiped on destruction.
#pragma once
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::auth {

inline constexpr std::string_view kResumeSecretLabel = "elfdesk resume secret v1";  // Ke -> first secret
inline constexpr std::string_view kResumeNextLabel = "elfdesk resume next v1";      // secret -> next one
inline constexpr std::string_view kResumeTicketLabel = "elfdesk resume ticket v1";  // secret -> public name
inline constexpr std::string_view kResumeProofLabel = "elfdesk resume proof v1";    // secret -> MAC key
inline constexpr std::size_t kResumeSecretSize = 32;

class ResumeSecret {
 public:
  // The first secret of a session: HKDF-SHA256(salt = the authenticating connection's channel binding,
  // ikm = the SPAKE2 key Ke, info = kResumeSecretLabel). Errors: invalid_argument on an empty key.
  static std::expected<ResumeSecret, Error> from_session_key(std::span<const std::uint8_t> spake2_key,
                                                            std::span<const std::uint8_t> channel_binding);

  ResumeSecret(const ResumeSecret&) = default;
  ResumeSecret& operator=(const ResumeSecret&) = default;
  ResumeSecret(ResumeSecret&&) noexcept = default;
  ResumeSecret& operator=(ResumeSecret&&) noexcept = default;
  ~ResumeSecret();

  // The public name the host looks the session up by (limits::kResumeTicketSize bytes). Knowing it
  // gives nothing: the proof needs the secret.
  std::vector<std::uint8_t> ticket() const;
  // HMAC-SHA256(key = HKDF(secret, kResumeProofLabel), kResumeProofLabel || exporter): what the engineer
  // sends on the new connection whose channel binding is `exporter`.
  std::vector<std::uint8_t> proof(std::span<const std::uint8_t> exporter) const;
  // Constant-time comparison of `proof` with ours for `exporter`.
  bool verify(std::span<const std::uint8_t> exporter, std::span<const std::uint8_t> proof) const;
  // The secret for the next resume, after one succeeded on the connection with `exporter`:
  // HKDF(salt = exporter, ikm = secret, info = kResumeNextLabel).
  ResumeSecret next(std::span<const std::uint8_t> exporter) const;

 private:
  explicit ResumeSecret(std::vector<std::uint8_t> secret) : secret_(std::move(secret)) {}
  std::vector<std::uint8_t> derive(std::span<const std::uint8_t> salt, std::string_view label,
                                   std::size_t size) const;
  std::vector<std::uint8_t> secret_;
};

}  // namespace elfdesk::auth
