// Internal to elfdesk_auth: thin, allocation-returning wrappers over OpenSSL's SHA-256, HKDF and
// HMAC so that protocol code reads like the RFCs. Stateless, any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::auth {

std::expected<std::vector<std::uint8_t>, Error> sha256(std::span<const std::uint8_t> data);

// RFC 5869. An empty salt means "not provided" (HashLen zero bytes), as RFC 9382 uses it.
std::expected<std::vector<std::uint8_t>, Error> hkdf_sha256(std::span<const std::uint8_t> salt,
                                                            std::span<const std::uint8_t> ikm,
                                                            std::span<const std::uint8_t> info,
                                                            std::size_t length);

std::expected<std::vector<std::uint8_t>, Error> hmac_sha256(std::span<const std::uint8_t> key,
                                                            std::span<const std::uint8_t> data);

// "<what>: <first OpenSSL error string>", and clears OpenSSL's thread-local error queue.
std::string openssl_error(std::string_view what);

}  // namespace elfdesk::auth
