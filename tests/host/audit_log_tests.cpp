#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "host/core/audit_log.hpp"

using elfdesk::host::AuditLog;

namespace {
std::filesystem::path temp_dir() {
  char templ[] = "/tmp/elfdesk-audit-XXXXXX";
  return mkdtemp(templ);
}
std::vector<nlohmann::json> read_lines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}
}  // namespace

TEST_CASE("audit records are JSON lines with time and event, appended to a 0600 file") {
  const auto dir = temp_dir();
  const auto path = dir / "sub" / "audit.jsonl";
  {
    auto log = AuditLog::open(path.string());
    REQUIRE(log);
    log->record("host_start", {{"display", ":1"}});
    log->record("authentication", {{"result", "failed"}, {"peer", "127.0.0.1:5"}});
  }
  {
    auto log = AuditLog::open(path.string());  // reopening appends
    REQUIRE(log);
    log->record("host_stop");
  }
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["event"] == "host_start");
  CHECK(lines[0]["display"] == ":1");
  CHECK(lines[1]["result"] == "failed");
  CHECK(lines[2]["event"] == "host_stop");
  CHECK(lines[0]["time"].get<std::string>().ends_with("Z"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("an existing world-readable audit file is tightened to 0600") {
  const auto dir = temp_dir();
  const auto path = dir / "audit.jsonl";
  std::ofstream(path) << "";
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  auto log = AuditLog::open(path.string());
  REQUIRE(log);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::filesystem::remove_all(dir);
}

TEST_CASE("records from several threads never interleave") {
  const auto dir = temp_dir();
  const auto path = dir / "audit.jsonl";
  {
    auto log = AuditLog::open(path.string());
    REQUIRE(log);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 200; ++i) log->record("probe", {{"thread", t}, {"i", i}, {"pad", std::string(300, 'x')}});
      });
    for (auto& th : threads) th.join();
  }
  CHECK(read_lines(path).size() == 800);  // every line parses
  std::filesystem::remove_all(dir);
}

TEST_CASE("the default path follows XDG_STATE_HOME") {
  setenv("XDG_STATE_HOME", "/tmp/state-test", 1);
  CHECK(AuditLog::default_path() == "/tmp/state-test/elfdesk/audit.jsonl");
  unsetenv("XDG_STATE_HOME");
  CHECK(AuditLog::default_path().ends_with("/.local/state/elfdesk/audit.jsonl"));
}

TEST_CASE("an audit log that cannot be created is a clear error") {
  auto log = AuditLog::open("/proc/elfdesk-cannot-write-here/audit.jsonl");
  REQUIRE_FALSE(log);
  CHECK(log.error().detail.find("cannot open audit log") != std::string::npos);
}
