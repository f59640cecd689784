// The bounded history (common/probes/run_history.hpp) written by the watcher's run records
// (common/watch/run_report.hpp), with made-up run times; and the [watch] settings of a config file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/probes/probe_runner.hpp"
#include "common/probes/run_history.hpp"
#include "common/watch/run_report.hpp"
#include "common/watch/watch_settings.hpp"

using namespace elfdesk;
using namespace elfdesk::watch;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("elfdesk-watch-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// A run record at `epoch` (the injected clock) with a finding that names it.
RunRecord run_at(double epoch) {
  RunRecord r;
  r.epoch_seconds = epoch;
  r.worst = probes::Severity::warning;
  r.findings.push_back({"disk", "space:/home", probes::Severity::warning, "run at " + std::to_string(epoch), nullptr,
                        "free space", nullptr});
  r.sample.wall_s = epoch;
  r.sample.disks["/home"] = {1e9, 5e7};
  r.cost = {12.5, 9000, 40};
  return r;
}

}  // namespace

TEST_CASE("history: appends runs in order and stays within its bound, keeping the newest") {
  TempDir dir;
  const probes::RunHistory history(dir.path / "state" / "watch-history.jsonl", 8192);
  double clock = 1.7e9;
  std::size_t largest = 0;
  for (int i = 0; i < 200; ++i, clock += 900) {
    REQUIRE(history.append(history_line(run_at(clock))));
    largest = std::max<std::size_t>(largest, fs::file_size(history.path()));
  }
  CHECK(largest <= 8192);
  CHECK((fs::status(history.path()).permissions() & fs::perms::others_read) == fs::perms::none);
  auto runs = history.newest(1000);
  REQUIRE(runs);
  CHECK(runs->size() > 5);
  CHECK(runs->size() < 200);
  CHECK(runs->back()["epoch_seconds"].get<double>() == doctest::Approx(clock - 900));
  for (std::size_t i = 1; i < runs->size(); ++i)
    CHECK((*runs)[i]["epoch_seconds"].get<double>() - (*runs)[i - 1]["epoch_seconds"].get<double>() ==
          doctest::Approx(900));
  auto last3 = history.newest(3);
  REQUIRE(last3);
  REQUIRE(last3->size() == 3);
  CHECK((*last3)[2] == runs->back());
  CHECK((*last3)[2]["time"] == iso_utc(clock - 900));
  CHECK((*last3)[2]["cost"]["cpu_ms"] == 12.5);
}

TEST_CASE("history: a missing file is no runs; torn lines are skipped") {
  TempDir dir;
  const probes::RunHistory history(dir.path / "h.jsonl");
  auto none = history.newest(10);
  REQUIRE(none);
  CHECK(none->empty());
  std::ofstream(dir.path / "h.jsonl") << "{\"time\":\"a\"}\n{not json\n{\"time\":\"b\"}\n";
  auto runs = history.newest(10);
  REQUIRE(runs);
  REQUIRE(runs->size() == 2);
  CHECK((*runs)[1]["time"] == "b");
}

TEST_CASE("report line: only the findings, never the samples or the cost") {
  auto line = report_line(run_at(1.7e9));
  CHECK(line.contains("findings"));
  CHECK_FALSE(line.contains("samples"));
  CHECK_FALSE(line.contains("cost"));
  CHECK(line["findings"][0]["advice"] == "free space");
  CHECK(history_line(run_at(1.7e9)).contains("samples"));
}

TEST_CASE("the history probe returns the newest runs' findings from the file it is pointed at") {
  TempDir dir;
  const probes::RunHistory history(dir.path / "h.jsonl");
  for (int i = 0; i < 5; ++i) REQUIRE(history.append(history_line(run_at(1.7e9 + i * 60))));
  probes::ProbeContext ctx;
  ctx.watch_history = history.path();
  const probes::ProbeRunner runner(probes::builtin_registry(), ctx);
  auto report = runner.run({"history", {{{"runs", "3"}}}, std::nullopt, 0});
  REQUIRE(report);
  CHECK(report->worst == probes::Severity::ok);
  const auto& runs = report->data["runs"];
  REQUIRE(runs.size() == 3);
  CHECK(runs[2]["findings"][0]["reason"] == "run at " + std::to_string(1.7e9 + 4 * 60));
  CHECK_FALSE(runs[2].contains("samples"));
  CHECK_FALSE(runner.run({"history", {{{"runs", "0"}}}, std::nullopt, 0}));  // out of range
}

TEST_CASE("[watch] settings from a config file") {
  TempDir dir;
  const auto conf = dir.path / "elfdesk.conf";
  std::ofstream(conf)
      << "relay = \"r:1\"\n[watch]\ninterval_seconds = 60\nquiet_hours = \"22:00-07:00\"\n"
         "skip = \"display\"\nfill_warning_hours = 2\nhelp_command = [\"/bin/true\", \"-x\"]\n"
         "report_to = \"journal\"\nhistory_max_bytes = 65536\n"
         "[watch.snooze]\n\"disk/space:/home\" = 2026-12-31T08:00:00Z\n\"memory/available\" = 2027-01-02\n";
  WatchSettings s;
  REQUIRE(read_watch_settings(conf, s));
  CHECK(s.interval == std::chrono::seconds(60));
  CHECK(s.rules.quiet == QuietHours{22 * 60, 7 * 60});
  CHECK(s.skip == "display");
  CHECK(s.limits.fill_warning_s == 7200);
  CHECK(s.help_command == std::vector<std::string>{"/bin/true", "-x"});
  CHECK(s.report_to == "journal");
  CHECK(s.history_max_bytes == 65536);
  using namespace std::chrono;
  CHECK(s.rules.snooze_until.at("disk/space:/home") == sys_days(year(2026) / 12 / 31) + hours(8));
  CHECK(s.rules.snooze_until.at("memory/available") == WallTime(sys_days(year(2027) / 1 / 2)));

  std::ofstream(conf) << "[watch]\nquiet_hours = \"late\"\n";
  WatchSettings bad;
  auto r = read_watch_settings(conf, bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().detail.find("elfdesk.conf:2") != std::string::npos);
  std::ofstream(conf) << "[watch]\ninterval_seconds = 0\n";
  CHECK_FALSE(read_watch_settings(conf, bad));
  CHECK(read_watch_settings(dir.path / "missing.conf", bad));
}
