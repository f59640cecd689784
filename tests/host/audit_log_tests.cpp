#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "host/core/audit_log.hpp"

using elfdesk::ManualClock;
using elfdesk::host::AuditLog;
using namespace std::chrono_literals;

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
  // Without HOME there is no default (never a shared directory such as /tmp).
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  unsetenv("HOME");
  CHECK(AuditLog::default_path().empty());
  if (!home.empty()) setenv("HOME", home.c_str(), 1);
}

TEST_CASE("the audit log refuses a planted symlink and anything but a regular file") {
  const auto dir = temp_dir();
  const auto victim = dir / "victim";
  std::filesystem::create_symlink(victim, dir / "link.jsonl");
  auto via_link = AuditLog::open((dir / "link.jsonl").string());
  REQUIRE_FALSE(via_link);
  CHECK(via_link.error().detail.find("symbolic link") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(victim));
  REQUIRE(mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK_FALSE(AuditLog::open((dir / "fifo").string()));  // no reader: ENXIO, and it would block otherwise
  std::filesystem::create_directory(dir / "dir.jsonl");
  auto directory = AuditLog::open((dir / "dir.jsonl").string());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().detail.find("cannot open audit log") != std::string::npos);
  const int reader = ::open((dir / "fifo").c_str(), O_RDONLY | O_NONBLOCK);  // a FIFO with a reader opens,
  auto fifo = AuditLog::open((dir / "fifo").string());                        // then fstat refuses it
  REQUIRE_FALSE(fifo);
  CHECK(fifo.error().detail.find("not a regular file") != std::string::npos);
  ::close(reader);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a refusal flood is summarised per address and interval; session records are never dropped") {
  const auto dir = temp_dir();
  const auto path = dir / "audit.jsonl";
  ManualClock clock;
  AuditLog::Limits limits;
  limits.pre_auth_cap_bytes = 64 << 10;
  {
    auto log = AuditLog::open(path.string(), limits, &clock);
    REQUIRE(log);
    for (int i = 0; i < 10000; ++i)
      log->record_pre_auth("connection_refused", {{"peer", "127.0.0.2:" + std::to_string(1000 + i % 50000)},
                                                  {"reason", "too many connections from this address"}});
    for (int i = 0; i < 1000; ++i)  // reasons that name the port group into one kind
      log->record_pre_auth("hello", {{"peer", "127.0.0.5:" + std::to_string(i)},
                                     {"reason", "TLS handshake with 127.0.0.5:" + std::to_string(i) + " failed"}});
    log->record_pre_auth("tls", {{"peer", "127.0.0.3:40000"}, {"result", "failed"}});  // another address
    log->record("session_start", {{"engineer", "e"}});
    clock.advance(60s);
    log->record_pre_auth("tls", {{"peer", "127.0.0.2:1"}, {"result", "failed"}});  // a new interval
    // Past the size cap only summaries and session records are written.
    for (int i = 0; i < 2000; ++i) log->record("probe", {{"pad", std::string(100, 'x')}, {"i", i}});
    log->record_pre_auth("tls", {{"peer", "127.0.0.4:1"}, {"result", "failed"}});
    log->record("session_end", {{"reason", "done"}});
  }
  const auto lines = read_lines(path);
  auto count = [&](const std::string& event) {
    return std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l["event"] == event; });
  };
  CHECK(count("connection_refused") == limits.per_address);
  CHECK(count("tls") == 2);  // 127.0.0.3, and 127.0.0.2 in the new interval; 127.0.0.4 is past the cap
  CHECK(count("probe") == 2000);
  CHECK(count("session_start") == 1);
  CHECK(count("session_end") == 1);
  REQUIRE(count("refusals_summary") == 2);
  const auto& first = *std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l["event"] == "refusals_summary"; });
  CHECK(first["suppressed"] == 10000 - limits.per_address + 1000 - limits.per_address);
  CHECK(first.dump().size() < 1024);  // kinds, not ports
  CHECK(first["peers"][1]["events"]["hello: TLS handshake with N.N.N.N:N failed"] == 1000 - limits.per_address);
  CHECK(first["interval_s"] == 60);
  CHECK(first["peers"][0]["address"] == "127.0.0.2");
  CHECK(first["peers"][0]["events"]["connection_refused: too many connections from this address"] ==
        10000 - limits.per_address);
  CHECK(lines.back()["event"] == "refusals_summary");  // written at close: 127.0.0.4's refusal
  CHECK(lines.back()["peers"][0]["address"] == "127.0.0.4");
  std::filesystem::remove_all(dir);
}

TEST_CASE("an audit log that cannot be created is a clear error") {
  auto log = AuditLog::open("/proc/elfdesk-cannot-write-here/audit.jsonl");
  REQUIRE_FALSE(log);
  CHECK(log.error().detail.find("cannot open audit log") != std::string::npos);
}
