#include "common/auth/session_code.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace elfdesk::auth {

std::string generate_session_code() { return generate_random_digits(kSessionCodeDigits); }

std::string generate_random_digits(std::size_t count) {
  std::string code;
  code.reserve(count);
  std::array<unsigned char, 32> pool{};
  // Bytes >= 250 are rejected so that byte % 10 is exactly uniform (250 = 25 * 10).
  while (code.size() < count) {
    // Without randomness there is no safe code (an empty or predictable one would let anybody in):
    // stop the host rather than carry on.
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
      std::fputs("elfdesk: fatal: the system random generator failed (RAND_bytes); no session code\n", stderr);
      std::abort();
    }
    for (unsigned char byte : pool) {
      if (byte >= 250) continue;
      code.push_back(static_cast<char>('0' + byte % 10));
      if (code.size() == count) break;
    }
  }
  return code;
}

std::string format_session_code(std::string_view digits) {
  if (digits.size() != kSessionCodeDigits) return std::string(digits);
  std::string out;
  out.reserve(kSessionCodeDigits + kSessionCodeDigits / 3 - 1);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (digits[i] < '0' || digits[i] > '9') return std::string(digits);
    if (i != 0 && i % 3 == 0) out.push_back('-');
    out.push_back(digits[i]);
  }
  return out;
}

std::expected<std::string, Error> normalize_session_code(std::string_view user_input) {
  std::string digits;
  std::size_t count = 0;  // counted, not stored, past 12 so a pasted novel cannot make us allocate
  for (char c : user_input) {
    if (c >= '0' && c <= '9') {
      if (++count <= kSessionCodeDigits) digits.push_back(c);
    } else if (c != '-' && c != ' ') {
      return std::unexpected(make_error(ErrorCode::invalid_argument,
                                        "the code may contain only digits, dashes and spaces"));
    }
  }
  if (count != kSessionCodeDigits) {
    return std::unexpected(make_error(
        ErrorCode::invalid_argument,
        "the code must have exactly 12 digits (got " + std::to_string(count) + ")"));
  }
  return digits;
}

}  // namespace elfdesk::auth
