#include <doctest/doctest.h>

#include <vector>

#include "common/clock.hpp"
#include "host/core/code_keeper.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
using namespace std::chrono_literals;

namespace {
struct Issued {
  std::vector<std::string> codes, reasons;
  CodeKeeper::OnIssued callback() {
    return [this](const std::string& d, std::chrono::seconds, const std::string& why) {
      codes.push_back(d);
      reasons.push_back(why);
    };
  }
};
}  // namespace

TEST_CASE("a code is issued at start, 12 digits") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  REQUIRE(issued.codes.size() == 1);
  CHECK(issued.codes[0].size() == 12);
  CHECK(keeper.current() == issued.codes[0]);
}

TEST_CASE("five wrong attempts replace the code; attempts against an old code do not count") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  const std::string first = *keeper.current();
  for (int i = 0; i < CodeKeeper::kMaxFailures - 1; ++i) keeper.record_failure(first);
  CHECK(keeper.current() == first);
  keeper.record_failure(first);
  REQUIRE(issued.codes.size() == 2);
  CHECK(keeper.current() != first);
  CHECK(issued.reasons.back() == "too many wrong attempts");
  keeper.record_failure(first);  // a late failure against the replaced code
  CHECK(keeper.failures() == 0);
}

TEST_CASE("an expired code is replaced") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  const std::string first = *keeper.current();
  clock.advance(599s);
  CHECK(keeper.current() == first);
  clock.advance(1s);
  CHECK(keeper.current() != first);
  CHECK(issued.reasons.back() == "the previous code expired");
}

TEST_CASE("a code is single use: none while in use, a fresh one when the session ends") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  const std::string first = *keeper.current();
  keeper.consume(first);
  CHECK_FALSE(keeper.current().has_value());
  clock.advance(3600s);  // a long session does not expire into a new code meanwhile
  CHECK_FALSE(keeper.current().has_value());
  keeper.release();
  REQUIRE(keeper.current().has_value());
  CHECK(*keeper.current() != first);
}
