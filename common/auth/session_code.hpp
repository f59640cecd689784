// One-time session codes: 12 random decimal digits shown by the host, typed by the engineer.
// Pure functions, any thread. The code is the SPAKE2 password (see spake2.hpp); it is never sent.
#pragma once
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/error.hpp"

namespace elfdesk::auth {

inline constexpr std::size_t kSessionCodeDigits = 12;  // ~39.9 bits; online guesses are capped by the host
// The host retires a code after this many failed SPAKE2 attempts (enforced by the host session).
// With 10^12 codes an attacker's total success chance is 5e-12; SPAKE2 allows no offline guessing.
inline constexpr int kMaxSessionCodeAttempts = 5;

// 12 digits, each uniform over 0-9 (OpenSSL RAND_bytes with rejection sampling, no modulo bias).
// Aborts the process if RAND_bytes fails: there is no safe code without randomness.
// Returns an empty string only if the system RNG fails (callers treat that as fatal).
std::string generate_session_code();
// `count` digits drawn the same way (the relay code's local secret: its last 6 digits).
std::string generate_random_digits(std::size_t count);

// "123456789012" -> "123-456-789-012" (groups of three for reading aloud). Input must be 12 digits;
// anything else is returned unchanged so the caller never shows a half-formatted code.
std::string format_session_code(std::string_view digits);

// Accepts what a person types: digits with optional dashes and spaces anywhere ("123 456-789012").
// Returns the bare 12 digits, or invalid_argument with a message meant for the user.
std::expected<std::string, Error> normalize_session_code(std::string_view user_input);

}  // namespace elfdesk::auth
