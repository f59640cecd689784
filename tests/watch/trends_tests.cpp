// Trend maths of the watcher (common/watch/trends.hpp): fill-time fit, durations in words, and the trend
// findings over samples with made-up times (an injected clock: no sleeping).
#include <doctest/doctest.h>

#include <cmath>

#include "common/watch/trends.hpp"

using namespace elfdesk;
using namespace elfdesk::watch;

namespace {

constexpr double kMiB = 1048576.0;

// A run every `interval` seconds from t0, with /home losing `rate` bytes per second from `start_free`.
std::vector<RunSample> filling(int runs, double interval, double start_free, double rate, double t0 = 1.7e9) {
  std::vector<RunSample> out;
  for (int i = 0; i < runs; ++i) {
    RunSample s;
    s.wall_s = t0 + i * interval;
    s.boot_s = 1000 + i * interval;
    s.disks["/home"] = {100 * 1024 * kMiB, start_free - rate * i * interval};
    s.clock_synced = true;
    out.push_back(s);
  }
  return out;
}

const probes::Finding* find(const std::vector<probes::Finding>& findings, const std::string& check) {
  for (const auto& f : findings)
    if (f.check == check) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("seconds_until_full: a straight line is extrapolated exactly") {
  std::vector<std::pair<double, double>> points{{0, 1000}, {10, 900}, {20, 800}, {30, 700}};
  auto eta = seconds_until_full(points);
  REQUIRE(eta);
  CHECK(*eta == doctest::Approx(70.0));
  auto fit = fit_fill(points);
  REQUIRE(fit);
  CHECK(fit->bytes_per_second == doctest::Approx(10.0));
}

TEST_CASE("seconds_until_full: noise around a steady fill stays close; flat or freeing is no answer") {
  std::vector<std::pair<double, double>> noisy{{0, 1000}, {10, 905}, {20, 795}, {30, 702}, {40, 598}};
  auto eta = seconds_until_full(noisy);
  REQUIRE(eta);
  CHECK(*eta == doctest::Approx(60.0).epsilon(0.1));
  CHECK_FALSE(seconds_until_full({{0, 500}, {10, 500}, {20, 500}}));
  CHECK_FALSE(seconds_until_full({{0, 500}, {10, 600}, {20, 700}}));
  CHECK_FALSE(seconds_until_full({{0, 500}}));
  CHECK_FALSE(seconds_until_full({{5, 500}, {5, 400}}));  // no time passed
}

TEST_CASE("about(): durations in plain words") {
  CHECK(about(30) == "less than a minute");
  CHECK(about(20 * 60) == "about 20 minutes");
  CHECK(about(60 * 60) == "about 1 hour");
  CHECK(about(5 * 3600) == "about 5 hours");
  CHECK(about(3 * 86400 + 3600) == "about 3 days");
}

TEST_CASE("fill trend: /home full in about 3 days is a warning, within a day critical") {
  // 15-minute runs, 30 GiB free, losing 10 GiB a day: full in 3 days.
  const double rate = 10 * 1024 * kMiB / 86400;
  auto runs = filling(8, 900, 30 * 1024 * kMiB + rate * 7 * 900, rate);
  auto findings = trend_findings(runs, TrendLimits{});
  const auto* f = find(findings, "fill:/home");
  REQUIRE(f);
  CHECK(f->probe == "watch");
  CHECK(f->severity == probes::Severity::warning);
  CHECK(f->reason.find("/home will be full in about 3 days at the current rate") == 0);
  CHECK(f->reason.find("(30.0 GiB free, filling 7.1 MiB/min)") != std::string::npos);  // 10 GiB a day
  CHECK(f->advice.find("/home") != std::string::npos);
  CHECK(f->remedy["name"] == "largest_dirs");
  CHECK(f->value["seconds_until_full"].get<double>() == doctest::Approx(3 * 86400).epsilon(0.01));

  auto fast = filling(8, 900, 5 * 1024 * kMiB + rate * 7 * 900, rate);  // half a day left
  const auto fast_findings = trend_findings(fast, TrendLimits{});  // find() points into it: keep it alive
  const auto* c = find(fast_findings, "fill:/home");
  REQUIRE(c);
  CHECK(c->severity == probes::Severity::critical);
}

TEST_CASE("fill trend: needs three runs, real growth, and ignores runs before a reboot") {
  const double rate = 1 * kMiB;  // a MiB a second: full in minutes
  CHECK_FALSE(find(trend_findings(filling(2, 60, 600 * kMiB, rate), TrendLimits{}), "fill:/home"));
  CHECK(find(trend_findings(filling(3, 60, 600 * kMiB, rate), TrendLimits{}), "fill:/home"));
  // Tiny growth (below min_fill_bytes over the window) is noise.
  CHECK_FALSE(find(trend_findings(filling(5, 60, 600 * kMiB, 100), TrendLimits{}), "fill:/home"));
  // Far future (a year away): nothing to say.
  CHECK_FALSE(find(trend_findings(filling(5, 900, 1000 * 1024 * kMiB, 10 * kMiB / 900), TrendLimits{}), "fill:/home"));
  // A reboot (boot clock back to small) cuts the window: only two runs after it.
  auto runs = filling(6, 60, 600 * kMiB, rate);
  runs[4].boot_s = 10;
  runs[5].boot_s = 70;
  CHECK_FALSE(find(trend_findings(runs, TrendLimits{}), "fill:/home"));
}

TEST_CASE("memory trends: OOM kills and memory stalls since the last run") {
  auto runs = filling(2, 900, 600 * kMiB, 0);
  runs[0].oom_kills = 2;
  runs[1].oom_kills = 5;
  runs[0].psi_some_us = 1e6;
  runs[1].psi_some_us = 1e6 + 0.2 * 900 * 1e6;  // stalled 20% of the 900 s between runs
  auto findings = trend_findings(runs, TrendLimits{});
  const auto* oom = find(findings, "oom_since_last");
  REQUIRE(oom);
  CHECK(oom->value == 3);
  const auto* psi = find(findings, "pressure_since_last");
  REQUIRE(psi);
  CHECK(psi->value.get<double>() == doctest::Approx(20.0));
  runs[1].oom_kills = 2;
  runs[1].psi_some_us = 1e6 + 0.05 * 900 * 1e6;
  CHECK(trend_findings(runs, TrendLimits{}).empty());
}

TEST_CASE("a unit that keeps failing, and a clock that keeps being set") {
  auto runs = filling(5, 900, 600 * kMiB, 0);
  for (int i : {0, 2, 4}) runs[i].failed_units = {"backup.service"};
  auto findings = trend_findings(runs, TrendLimits{});
  const auto* unit = find(findings, "keeps_failing:backup.service");
  REQUIRE(unit);
  CHECK(unit->remedy["args"]["unit"] == "backup.service");
  runs[0].failed_units.clear();  // twice in five runs is not "keeps failing"
  CHECK_FALSE(find(trend_findings(runs, TrendLimits{}), "keeps_failing:backup.service"));

  CHECK_FALSE(find(trend_findings(runs, TrendLimits{}), "clock_drift"));
  for (int i = 2; i < 5; ++i) runs[i].wall_s += 4;                        // set forward 4 s between runs 1 and 2
  CHECK_FALSE(find(trend_findings(runs, TrendLimits{}), "clock_drift"));  // once is not "keeps"
  runs[4].wall_s -= 8;                                                    // and back 8 s before run 4
  const auto drift_findings = trend_findings(runs, TrendLimits{});
  const auto* drift = find(drift_findings, "clock_drift");
  REQUIRE(drift);
  CHECK(drift->reason.find("2 time(s)") != std::string::npos);
  auto unsynced = filling(4, 900, 600 * kMiB, 0);
  for (auto& r : unsynced) r.clock_synced = false;
  CHECK(find(trend_findings(unsynced, TrendLimits{}), "clock_drift"));
}

TEST_CASE("samples survive the history line") {
  RunSample s = filling(1, 900, 600 * kMiB, 0)[0];
  s.oom_kills = 7;
  s.psi_some_us = 1234.5;
  s.failed_units = {"a.service"};
  RunSample back = sample_from_json(to_json(s));
  CHECK(back.wall_s == s.wall_s);
  CHECK(back.disks.at("/home").available_bytes == s.disks.at("/home").available_bytes);
  CHECK(back.oom_kills == s.oom_kills);
  CHECK(back.psi_some_us == s.psi_some_us);
  CHECK(back.failed_units == s.failed_units);
  CHECK(back.clock_synced == s.clock_synced);
  CHECK(sample_from_json(nlohmann::json("garbage")).disks.empty());
}
