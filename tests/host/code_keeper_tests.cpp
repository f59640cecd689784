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
  for (int i = 0; i < CodeKeeper::kMaxFailures - 1; ++i) keeper.fail_attempt(*keeper.begin_attempt());
  CHECK(keeper.current() == first);
  const auto last = *keeper.begin_attempt();
  CHECK(last.digits == first);
  keeper.fail_attempt(last);
  REQUIRE(issued.codes.size() == 2);
  CHECK(keeper.current() != first);
  CHECK(issued.reasons.back() == "too many wrong attempts");
  keeper.fail_attempt(last);  // a late failure against the replaced code
  CHECK(keeper.failures() == 0);
}

TEST_CASE("parallel attempts: failures plus attempts in flight never exceed five per code") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  std::vector<CodeKeeper::Attempt> attempts;
  for (int i = 0; i < 12; ++i)
    if (auto a = keeper.begin_attempt()) attempts.push_back(*a);
  CHECK(attempts.size() == CodeKeeper::kMaxFailures);
  CHECK(keeper.begin_attempt().error() == CodeKeeper::Refusal::too_many_attempts);
  keeper.fail_attempt(attempts[0]);  // the failure keeps its slot: 1 failure + 4 in flight
  CHECK_FALSE(keeper.begin_attempt().has_value());
  for (std::size_t i = 1; i < attempts.size(); ++i) keeper.fail_attempt(attempts[i]);
  REQUIRE(issued.codes.size() == 2);  // five guesses used the first code up
  const auto next = keeper.begin_attempt();
  REQUIRE(next.has_value());
  CHECK(next->digits == issued.codes[1]);
  CHECK(next->generation == attempts[0].generation + 1);
}

TEST_CASE("a stale attempt never succeeds: expiry or rotation between share and confirmation") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback());
  const auto before_expiry = *keeper.begin_attempt();
  clock.advance(600s);
  CHECK_FALSE(keeper.still_current(before_expiry));
  CHECK_FALSE(keeper.consume(before_expiry));
  CHECK(keeper.current().has_value());  // the code was not consumed: a fresh one is offered

  const auto before_rotation = *keeper.begin_attempt();
  keeper.rotate("test");
  CHECK_FALSE(keeper.consume(before_rotation));
  const auto good = *keeper.begin_attempt();
  CHECK(keeper.still_current(good));
  CHECK(keeper.consume(good));
  CHECK(keeper.begin_attempt().error() == CodeKeeper::Refusal::in_use);
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
  CHECK(keeper.consume(*keeper.begin_attempt()));
  CHECK_FALSE(keeper.current().has_value());
  clock.advance(3600s);  // a long session does not expire into a new code meanwhile
  CHECK_FALSE(keeper.current().has_value());
  keeper.release();
  REQUIRE(keeper.current().has_value());
  CHECK(*keeper.current() != first);
}

// Relay mode: the code is the relay's id + 6 local digits, and every new code needs a new id.
TEST_CASE("relay mode: no code until an id comes, then id + 6 random digits") {
  ManualClock clock;
  Issued issued;
  std::vector<std::string> asked;
  CodeKeeper keeper(clock, 600s, issued.callback(), [&](const std::string& why) { asked.push_back(why); });
  CHECK(issued.codes.empty());
  CHECK_FALSE(keeper.current());
  CHECK_FALSE(keeper.begin_attempt());
  keeper.set_routing_id("123456", 600s, "registered with the relay");
  REQUIRE(issued.codes.size() == 1);
  CHECK(issued.codes[0].size() == 12);
  CHECK(issued.codes[0].starts_with("123456"));
  CHECK(issued.reasons[0] == "host started");
  CHECK(keeper.current() == issued.codes[0]);
  // Two ids give two different secrets (1 in 10^6 to collide; the same secret twice would be a bug).
  keeper.rotate("test");
  keeper.set_routing_id("123456", 600s, "again");
  REQUIRE(issued.codes.size() == 2);
  CHECK(issued.codes[1].substr(6) != issued.codes[0].substr(6));
}

TEST_CASE("relay mode: five wrong attempts, expiry and a session's end each ask for a new id") {
  ManualClock clock;
  Issued issued;
  std::vector<std::string> asked;
  CodeKeeper keeper(clock, 600s, issued.callback(), [&](const std::string& why) { asked.push_back(why); });
  keeper.set_routing_id("111111", 600s, "registered");
  for (int i = 0; i < CodeKeeper::kMaxFailures; ++i) keeper.fail_attempt(*keeper.begin_attempt());
  REQUIRE(asked == std::vector<std::string>{"too many wrong attempts"});
  CHECK_FALSE(keeper.current());  // the old id's code is gone before the new id arrives
  keeper.set_routing_id("222222", 600s, "registered");
  CHECK(issued.reasons.back() == "too many wrong attempts");
  CHECK(keeper.current()->starts_with("222222"));
  // The relay's TTL bounds the code's (a few seconds short, so the code rotates first).
  keeper.set_routing_id("333333", 60s, "registered");
  clock.advance(54s);
  CHECK(keeper.current());
  clock.advance(2s);
  CHECK_FALSE(keeper.current());
  CHECK(asked.back() == "the previous code expired");
  keeper.set_routing_id("444444", 600s, "registered");
  const auto attempt = *keeper.begin_attempt();
  REQUIRE(keeper.consume(attempt));
  keeper.set_routing_id("555555", 600s, "relay came back");  // in use: the session keeps its code
  CHECK(issued.codes.back().starts_with("444444"));
  keeper.release();
  CHECK(asked.back() == "the session ended");
}

TEST_CASE("relay mode: a lost relay takes the code with it; attempts reserved before do not count") {
  ManualClock clock;
  Issued issued;
  CodeKeeper keeper(clock, 600s, issued.callback(), [](const std::string&) {});
  keeper.set_routing_id("123456", 600s, "registered");
  const auto attempt = *keeper.begin_attempt();
  keeper.drop_routing_id();
  CHECK_FALSE(keeper.current());
  keeper.fail_attempt(attempt);
  keeper.set_routing_id("654321", 600s, "the relay is reachable again");
  CHECK(issued.reasons.back() == "the relay is reachable again");
  CHECK(keeper.failures() == 0);
  CHECK_FALSE(keeper.still_current(attempt));
}
