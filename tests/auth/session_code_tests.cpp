// One-time codes: randomness shape, formatting, and what users may type.
#define OPENSSL_SUPPRESS_DEPRECATED  // RAND_set_rand_method: the only way to make RAND_bytes fail in a test
#include "common/auth/session_code.hpp"

#include <doctest/doctest.h>
#include <openssl/rand.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <set>

namespace elfdesk::auth {

TEST_CASE("a failing random generator stops the process instead of issuing a code") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    static RAND_METHOD failing{};
    failing.bytes = [](unsigned char*, int) { return 0; };
    failing.status = [] { return 0; };
    RAND_set_rand_method(&failing);
    ::close(STDERR_FILENO);
    const std::string code = generate_session_code();
    ::_exit(code.empty() ? 3 : 4);  // reached only if the failure was not fatal
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("generated session codes are 12 random digits") {
  std::set<std::string> seen;
  std::array<int, 10> counts{};
  constexpr int kCodes = 2000;
  for (int i = 0; i < kCodes; ++i) {
    const std::string code = generate_session_code();
    REQUIRE(code.size() == kSessionCodeDigits);
    REQUIRE(std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }));
    for (char c : code) ++counts[static_cast<std::size_t>(c - '0')];
    seen.insert(code);
  }
  CHECK(seen.size() == static_cast<std::size_t>(kCodes));  // collisions: ~2e-6 chance
  // 24000 digits, 2400 expected per value, sd ~46: +-300 is > 6 sd, yet catches a skewed sampler.
  for (int c : counts) {
    CHECK(c > 2100);
    CHECK(c < 2700);
  }
}

TEST_CASE("format_session_code groups in threes") {
  CHECK(format_session_code("123456789012") == "123-456-789-012");
  CHECK(format_session_code("000000000000") == "000-000-000-000");
  CHECK(format_session_code("12345") == "12345");                  // not a code: unchanged
  CHECK(format_session_code("12345678901a") == "12345678901a");    // not a code: unchanged
}

TEST_CASE("normalize_session_code accepts separators") {
  for (const char* input : {"123456789012", "123-456-789-012", "123 456 789 012", " 123-456 789012 ",
                            "1-2-3-4-5-6-7-8-9-0-1-2", "123--456  789-012"}) {
    CAPTURE(input);
    auto r = normalize_session_code(input);
    REQUIRE(r.has_value());
    CHECK(*r == "123456789012");
  }
  const std::string code = generate_session_code();
  auto round_trip = normalize_session_code(format_session_code(code));
  REQUIRE(round_trip.has_value());
  CHECK(*round_trip == code);
}

TEST_CASE("normalize_session_code rejects bad input with a clear message") {
  struct Case {
    const char* input;
    const char* message_part;
  };
  for (const Case& c : {Case{"", "exactly 12 digits (got 0)"}, Case{"12345678901", "exactly 12 digits (got 11)"},
                        Case{"1234567890123", "exactly 12 digits (got 13)"},
                        Case{"123-456-789-01a", "only digits, dashes and spaces"},
                        Case{"123_456_789_012", "only digits, dashes and spaces"},
                        Case{"123\t456789012", "only digits, dashes and spaces"},
                        Case{"123456789012\n", "only digits, dashes and spaces"},
                        Case{"\xef\xbc\x91\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x32", "only digits"},  // fullwidth 1
                        Case{"---", "exactly 12 digits (got 0)"}}) {
    CAPTURE(c.input);
    auto r = normalize_session_code(c.input);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::invalid_argument);
    CHECK(r.error().detail.find(c.message_part) != std::string::npos);
  }
  // A huge paste is rejected without storing it.
  auto huge = normalize_session_code(std::string(1'000'000, '7'));
  REQUIRE_FALSE(huge.has_value());
  CHECK(huge.error().detail.find("got 1000000") != std::string::npos);
}

}  // namespace elfdesk::auth
