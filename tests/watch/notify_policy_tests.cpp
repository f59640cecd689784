// When the customer is told (common/watch/notify_policy.hpp): once per change, snooze, quiet hours, with
// the time passed in (no clock read).
#include <doctest/doctest.h>

#include "common/watch/notify_policy.hpp"

using namespace elfdesk;
using namespace elfdesk::watch;
using probes::Finding;
using probes::Severity;

namespace {

Finding space(Severity s) {
  return Finding{"disk", "space:/home", s, "/home has little space", nullptr, "free some", nullptr};
}
const WallTime kNoon = WallTime(std::chrono::sys_days(std::chrono::year(2026) / 12 / 4)) + std::chrono::hours(12);
constexpr int kNoonMinute = 12 * 60;

}  // namespace

TEST_CASE("told once when it turns warning, not again while unchanged, again when it turns critical") {
  NotifyPolicy policy;
  const NotifyRules rules;
  CHECK(policy.decide({space(Severity::ok)}, rules, kNoon, kNoonMinute).empty());
  auto first = policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute);
  REQUIRE(first.size() == 1);
  CHECK(first[0].advice == "free some");
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute).empty());
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute).empty());
  auto critical = policy.decide({space(Severity::critical)}, rules, kNoon, kNoonMinute);
  REQUIRE(critical.size() == 1);
  CHECK(critical[0].severity == Severity::critical);
  // Back down to warning is a change too.
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute).size() == 1);
  // Ok for fewer than forget_after_runs runs: a flicker, not told again when it is back.
  for (int i = 0; i < rules.forget_after_runs - 1; ++i) CHECK(policy.decide({}, rules, kNoon, kNoonMinute).empty());
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute).empty());
  // Ok for forget_after_runs runs: forgotten, and its return is told again.
  for (int i = 0; i < rules.forget_after_runs; ++i)
    CHECK(policy.decide({space(Severity::ok)}, rules, kNoon, kNoonMinute).empty());
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, kNoonMinute).size() == 1);
}

TEST_CASE("unknown findings are never told; several are told most urgent first") {
  NotifyPolicy policy;
  Finding unknown{"time", "sync", Severity::unknown, "cannot read", nullptr, "", nullptr};
  Finding fill{"watch", "fill:/home", Severity::critical, "full soon", nullptr, "", nullptr};
  auto told = policy.decide({unknown, space(Severity::warning), fill}, {}, kNoon, kNoonMinute);
  REQUIRE(told.size() == 2);
  CHECK(told[0].check == "fill:/home");
  CHECK(told[1].check == "space:/home");
}

TEST_CASE("quiet hours hold a notification back until they end") {
  auto quiet = parse_quiet_hours("22:00-07:00");
  REQUIRE(quiet);
  CHECK(quiet->contains(23 * 60));
  CHECK(quiet->contains(0));
  CHECK(quiet->contains(6 * 60 + 59));
  CHECK_FALSE(quiet->contains(7 * 60));
  CHECK_FALSE(quiet->contains(kNoonMinute));
  auto day = parse_quiet_hours("12:00-13:30");
  REQUIRE(day);
  CHECK(day->contains(kNoonMinute));
  CHECK_FALSE(day->contains(13 * 60 + 30));
  for (auto bad : {"22-07", "25:00-07:00", "22:00", "22:00-7:00", "aa:bb-cc:dd"}) CHECK_FALSE(parse_quiet_hours(bad));

  NotifyPolicy policy;
  NotifyRules rules{*quiet, {}};
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, 23 * 60).empty());
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, 3 * 60).empty());
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, 7 * 60).size() == 1);  // morning: told
  CHECK(policy.decide({space(Severity::warning)}, rules, kNoon, 8 * 60).empty());
  // A change at night waits for the morning, then is told.
  CHECK(policy.decide({space(Severity::critical)}, rules, kNoon, 23 * 60).empty());
  CHECK(policy.decide({space(Severity::critical)}, rules, kNoon, 7 * 60 + 15).size() == 1);
}

TEST_CASE("a snoozed finding is silent until its time, others are not") {
  NotifyPolicy policy;
  NotifyRules rules;
  rules.snooze_until["disk/space:/home"] = kNoon + std::chrono::hours(24);
  Finding other{"memory", "available", Severity::warning, "low", nullptr, "", nullptr};
  auto told = policy.decide({space(Severity::critical), other}, rules, kNoon, kNoonMinute);
  REQUIRE(told.size() == 1);
  CHECK(told[0].probe == "memory");
  CHECK(policy.decide({space(Severity::critical), other}, rules, kNoon + std::chrono::hours(23), kNoonMinute).empty());
  auto after = policy.decide({space(Severity::critical), other}, rules, kNoon + std::chrono::hours(24), kNoonMinute);
  REQUIRE(after.size() == 1);
  CHECK(after[0].probe == "disk");
}

TEST_CASE("a notification that could not be shown is told again next time") {
  NotifyPolicy policy;
  auto told = policy.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute);
  REQUIRE(told.size() == 1);
  policy.forget(told[0]);
  CHECK(policy.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute).size() == 1);
  CHECK(policy.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute).empty());
}

TEST_CASE("the told state survives the state file; bad entries are dropped") {
  NotifyPolicy policy;
  policy.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute);
  auto reloaded = NotifyPolicy::from_json(policy.to_json());
  CHECK(reloaded.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute).empty());
  policy.decide({}, {}, kNoon, kNoonMinute);  // one run without it: still remembered through the file
  CHECK(NotifyPolicy::from_json(policy.to_json()).decide({space(Severity::warning)}, {}, kNoon, kNoonMinute).empty());
  auto garbage = NotifyPolicy::from_json(
      nlohmann::json{{"told", {{"disk/space:/home", {{"severity", "nonsense"}}}, {"memory/available", "warning"}}}});
  CHECK(garbage.decide({space(Severity::warning)}, {}, kNoon, kNoonMinute).size() == 1);
  CHECK(garbage.to_json()["told"].size() == 1);
  CHECK(NotifyPolicy::from_json(nlohmann::json(42)).to_json()["told"].empty());
}
