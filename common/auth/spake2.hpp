// SPAKE2 (RFC 9382) on P-256 / SHA-256 / HKDF-SHA256 / HMAC-SHA256: one party of one exchange.
// Not thread-safe; owned by the session on its network thread. Secrets are wiped on destruction.
// A = engineer (TLS client), B = host (TLS server). The TLS channel binding goes in as AAD.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::auth {

inline constexpr std::string_view kSpake2IdEngineer = "elfdesk-engineer";  // identity A
inline constexpr std::string_view kSpake2IdHost = "elfdesk-host";          // identity B
inline constexpr std::size_t kSpake2ShareSize = 65;    // uncompressed P-256 point: 04 || x || y
inline constexpr std::size_t kSpake2ConfirmSize = 32;  // HMAC-SHA256
inline constexpr std::size_t kSpake2KeySize = 16;      // Ke: first half of SHA-256(TT)

enum class Spake2Role : std::uint8_t {
  engineer,  // RFC party A: share pA = x*G + w*M, sends cA
  host,      // RFC party B: share pB = y*G + w*N, sends cB
};

// Usage: create -> send share() -> process_peer_share(peer) -> send confirmation()
//        -> verify_peer_confirmation(peer's) -> shared_key().
// Each party is single use: process_peer_share() may be called once, whatever its outcome, and a
// failed verification is final. Use a fresh party (fresh random scalar) for every attempt.
// A moved-from party may only be destroyed or assigned to.
class Spake2Party {
 public:
  // password: the normalized session-code digits (normalize_session_code); w is derived from it
  // with HKDF-SHA256 under a fixed elfdesk salt (see spake2.cpp). aad: the TLS channel binding.
  static std::expected<Spake2Party, Error> create(Spake2Role role, std::span<const std::uint8_t> password,
                                                  std::string_view id_a, std::string_view id_b,
                                                  std::span<const std::uint8_t> aad);

  // For RFC test vectors: explicit w and secret scalar (x for A, y for B), both big-endian,
  // at most 32 bytes each; scalar must be in [1, order).
  static std::expected<Spake2Party, Error> create_for_test(Spake2Role role, std::span<const std::uint8_t> w,
                                                           std::span<const std::uint8_t> scalar,
                                                           std::string_view id_a, std::string_view id_b,
                                                           std::span<const std::uint8_t> aad);

  Spake2Party(Spake2Party&&) noexcept;
  Spake2Party& operator=(Spake2Party&&) noexcept;
  Spake2Party(const Spake2Party&) = delete;
  Spake2Party& operator=(const Spake2Party&) = delete;
  ~Spake2Party();

  Spake2Role role() const;

  // Our public share (pA or pB), kSpake2ShareSize bytes.
  std::vector<std::uint8_t> share() const;

  // Validates the peer's point (exact size, uncompressed form, on the curve, not the identity, and
  // the derived K not the identity), then derives the keys. Errors: malformed, auth_failed (second
  // call, or after any earlier failure), internal.
  std::expected<void, Error> process_peer_share(std::span<const std::uint8_t> peer);

  // Our key confirmation MAC (cA or cB); empty before a successful process_peer_share().
  std::vector<std::uint8_t> confirmation() const;

  // Constant-time check of the peer's MAC (cB if we are A, cA if we are B). auth_failed on mismatch:
  // wrong code, or a different AAD (someone terminates TLS in the middle).
  std::expected<void, Error> verify_peer_confirmation(std::span<const std::uint8_t> mac);

  // Ke, kSpake2KeySize bytes. Empty until the peer's confirmation has verified, so an
  // unauthenticated key can never be used by mistake. Valid while this party lives.
  std::span<const std::uint8_t> shared_key() const;

  // Test-vector access only (RFC 9382 appendix B lists them): KcA || KcB, and the transcript TT.
  // Empty before a successful process_peer_share().
  std::vector<std::uint8_t> confirmation_keys_for_test() const;
  std::vector<std::uint8_t> transcript_for_test() const;

 private:
  struct Impl;
  explicit Spake2Party(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk::auth
