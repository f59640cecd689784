// services_logs reading a real journal file, written by systemd-journal-remote from export format
// (package systemd-journal-remote). The probe itself uses sd-journal only.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <fstream>

#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";

std::string export_entry(int seq, long long usec, int priority, const char* identifier, const char* message) {
  return fmt::format("__CURSOR=s=1;i={0}\n__REALTIME_TIMESTAMP={1}\n__MONOTONIC_TIMESTAMP={0}000\n"
                     "_BOOT_ID=0123456789abcdef0123456789abcdef\nPRIORITY={2}\nSYSLOG_IDENTIFIER={3}\nMESSAGE={4}\n\n",
                     seq, usec, priority, identifier, message);
}

}  // namespace

TEST_CASE("services_logs: counts error-priority journal entries in the window, newest first") {
  if (!std::filesystem::exists(kJournalRemote)) {
    MESSAGE("systemd-journal-remote not installed; journal reading not exercised");
    return;
  }
  auto dir = test::temp_dir();
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  std::ofstream(dir + "/in.export") << export_entry(1, now - 3LL * 3600 * 1000000, 2, "old", "outside the window")
                                    << export_entry(2, now - 60LL * 1000000, 2, "kernel", "I/O error on sda")
                                    << export_entry(3, now - 30LL * 1000000, 6, "app", "just info")
                                    << export_entry(4, now - 10LL * 1000000, 3, "app", "oops");
  std::filesystem::create_directories(dir + "/j");
  test::run_tool(fmt::format("{} -o {}/j/remote.journal {}/in.export 2>/dev/null", kJournalRemote, dir, dir));
  auto ctx = test::fixture_context("sick");  // has /run/systemd/system
  ctx.journal_dir = dir + "/j";
  auto r = test::run_probe(ctx, "services_logs", {{{"since_minutes", "60"}}});
  std::filesystem::remove_all(dir);
  INFO(nlohmann::json(r).dump(2));
  if (r.data["libsystemd"] != true) return;
  CHECK(r.data["journal"]["error_count"] == 2);
  CHECK(r.data["journal"]["critical_count"] == 1);
  REQUIRE(r.data["journal"]["recent"].size() == 2);
  CHECK(r.data["journal"]["recent"][0]["message"] == "oops");
  CHECK(r.data["journal"]["recent"][1]["identifier"] == "kernel");
  const Finding* f = test::find_finding(r, "journal");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::warning);
  CHECK(f->reason == "1 emergency/alert/critical journal entries in the last 60 min");
}

}  // namespace elfdesk::probes
