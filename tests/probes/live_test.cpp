// Probes against the live machine, cross-checked with standard tools (df, free, ps, ip, getent,
// uname) within stated tolerances, plus real loopback connects and a private Xvfb for `display`.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cmath>
#include <set>
#include <sstream>

#include "common/probes/net_checks.hpp"
#include "common/probes/probe_util.hpp"
#include "tests/probes/probe_test_util.hpp"
#include "tests/support/xvfb.hpp"

namespace elfdesk::probes {
namespace {

using test::find_finding;
using test::run_probe;
using test::run_tool;

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> tool_lines(const std::string& command) {
  std::string text = run_tool(command);
  std::vector<std::string> out;
  for (auto line : util::lines(text)) out.emplace_back(line);
  return out;
}

std::string canonical_ip(const std::string& text) {  // "fd00::0001" and "fd00::1" compare equal
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  int family = text.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(family, text.c_str(), buf) != 1) return text;
  return inet_ntop(family, buf, out, sizeof out) ? out : text;
}

struct Socket {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ~Socket() { close(fd); }
  int bind_loopback() {  // port 0: the kernel picks a free one
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    return ntohs(a.sin_port);
  }
};

}  // namespace

TEST_CASE("live disk agrees with df (size exact; used/available within 1% of size + 64 MiB)") {
  auto r = run_probe(ProbeContext{}, "disk");
  REQUIRE(r.data["filesystems"].size() >= 1);
  std::set<std::string> ours;
  for (const auto& fs : r.data["filesystems"]) {
    std::string point = fs["mount_point"];
    ours.insert(point);
    if (point.find_first_of(" '\\") != std::string::npos) continue;
    auto lines = tool_lines("df -B1 --output=size,used,avail '" + point + "'");
    REQUIRE(lines.size() == 2);
    auto f = words(std::string(lines[1]));
    double size = std::stod(f[0]), used = std::stod(f[1]), avail = std::stod(f[2]);
    double tolerance = 0.01 * size + 64.0 * (1 << 20);
    INFO(point);
    CHECK(fs["size_bytes"].get<double>() == size);
    CHECK(std::abs(fs["used_bytes"].get<double>() - used) <= tolerance);
    CHECK(std::abs(fs["available_bytes"].get<double>() - avail) <= tolerance);
  }
  // Every filesystem df shows is reported, except the pseudo ones we skip by design.
  for (auto line : tool_lines("df --output=fstype,target | tail -n +2")) {
    auto f = words(std::string(line));
    if (f.size() != 2 || f[0] == "devtmpfs") continue;
    INFO(line);
    CHECK(ours.contains(f[1]));
  }
}

TEST_CASE("live memory agrees with free -b (totals exact; available within 5% of RAM)") {
  auto r = run_probe(ProbeContext{}, "memory");
  std::map<std::string, std::vector<std::string>> rows;
  for (auto line : tool_lines("free -b")) {
    auto f = words(std::string(line));
    if (!f.empty()) rows[f[0]] = f;
  }
  REQUIRE(rows.contains("Mem:"));
  double total = std::stod(rows["Mem:"][1]), available = std::stod(rows["Mem:"][6]);
  CHECK(r.data["total_bytes"].get<double>() == total);
  CHECK(std::abs(r.data["available_bytes"].get<double>() - available) <= 0.05 * total);
  CHECK(r.data["swap_total_bytes"].get<double>() == std::stod(rows["Swap:"][1]));
  CHECK(find_finding(r, "available") != nullptr);
}

TEST_CASE("live processes agree with ps -e (count within 15% or 20)") {
  auto r = run_probe(ProbeContext{}, "processes", {{{"sample_ms", "50"}, {"top", "3"}}});
  double ps = static_cast<double>(tool_lines("ps -e --no-headers").size());
  double ours = r.data["count"].get<double>();
  CHECK(std::abs(ours - ps) <= std::max(20.0, 0.15 * ps));
  CHECK(r.data["top_cpu"].size() == 3);
  CHECK(r.data["top_memory"].size() == 3);
  CHECK(r.data["top_memory"][0]["rss_bytes"].get<double>() >= r.data["top_memory"][2]["rss_bytes"].get<double>());
}

TEST_CASE("live processes: a decoy's secrets on its command line never reach the report") {
  // A busy decoy (so it leads top_cpu) whose argv holds secrets in the common forms.
  const pid_t decoy = ::fork();
  REQUIRE(decoy >= 0);
  if (decoy == 0) {
    ::execl("/bin/sh", "sh", "-c", "while :; do :; done", "elfdesk-decoy", "--db-password=hunter2-decoy",
            "--api-token", "tok-decoy-123", "AWS_SECRET_ACCESS_KEY=aws-decoy", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto r = run_probe(ProbeContext{}, "processes", {{{"sample_ms", "300"}, {"top", "5"}}});
  const std::string cmdline = util::read_text("/proc/" + std::to_string(decoy) + "/cmdline").value_or("");
  ::kill(decoy, SIGKILL);
  ::waitpid(decoy, nullptr, 0);
  REQUIRE(cmdline.find("hunter2-decoy") != std::string::npos);  // the secret really was visible in /proc
  const auto& top = r.data["top_cpu"];
  const auto it = std::find_if(top.begin(), top.end(), [&](const auto& p) { return p["pid"] == decoy; });
  REQUIRE_MESSAGE(it != top.end(), r.data.dump());
  CHECK((*it)["command"] == "sh -c while :; do :; done elfdesk-decoy --db-password=*** --api-token *** "
                            "AWS_SECRET_ACCESS_KEY=***");
  const std::string report = r.data.dump();
  for (const char* secret : {"hunter2-decoy", "tok-decoy-123", "aws-decoy"}) CHECK(report.find(secret) == std::string::npos);
}

TEST_CASE("live network agrees with ip -o addr and ip route") {
  auto r = run_probe(ProbeContext{}, "network");
  std::set<std::string> ours, theirs;
  for (const auto& i : r.data["interfaces"]) {
    for (const auto& a : i["addresses"]) {
      ours.insert(i["name"].get<std::string>() + " " + canonical_ip(a["address"]) + "/" + std::to_string(a["prefix"].get<int>()));
    }
  }
  for (auto line : tool_lines("ip -o addr")) {
    auto f = words(std::string(line));
    if (f.size() < 4) continue;
    auto slash = f[3].find('/');
    theirs.insert(f[1] + " " + canonical_ip(f[3].substr(0, slash)) + f[3].substr(slash));
  }
  CHECK(ours == theirs);
  for (auto [command, family] : {std::pair{"ip -4 route show default", "ipv4"}, {"ip -6 route show default", "ipv6"}}) {
    for (auto line : tool_lines(command)) {
      auto f = words(std::string(line));
      auto via = std::find(f.begin(), f.end(), "via");
      auto dev = std::find(f.begin(), f.end(), "dev");
      if (via == f.end() || dev == f.end()) continue;
      bool found = false;
      for (const auto& route : r.data["default_routes"][family]) {
        found = found || (canonical_ip(route["gateway"]) == canonical_ip(*(via + 1)) && route["interface"] == *(dev + 1));
      }
      INFO(line);
      CHECK(found);
    }
  }
}

// The customer's machine itself is the target here: allowed, as with elfdesk-host --allow-local-net-checks.
ProbeContext local_allowed() {
  ProbeContext context;
  context.allow_local_targets = true;
  static const SteadyClock clock;
  context.net_budget = std::make_shared<NetCheckBudget>(clock, 1000);
  return context;
}

TEST_CASE("live resolve agrees with getent hosts localhost") {
  auto r = run_probe(local_allowed(), "network", {{{"resolve", "localhost"}}});
  auto getent = words(run_tool("getent hosts localhost"));
  REQUIRE_FALSE(getent.empty());
  const auto& addresses = r.data["resolve"]["addresses"];
  CHECK(std::find(addresses.begin(), addresses.end(), canonical_ip(getent[0])) != addresses.end());
  CHECK(find_finding(r, "resolve:localhost")->severity == Severity::ok);
  auto bad = run_probe(local_allowed(), "network", {{{"resolve", "no-such-host.invalid"}}});
  CHECK(find_finding(bad, "resolve:no-such-host.invalid")->severity == Severity::critical);
}

TEST_CASE("live connect to a 127.0.0.1 listener (timed) and to a closed port (refused)") {
  Socket listener;
  int port = listener.bind_loopback();
  REQUIRE(listen(listener.fd, 4) == 0);
  std::string target = "127.0.0.1:" + std::to_string(port);
  auto r = run_probe(local_allowed(), "network", {{{"connect", target}}});
  CHECK(r.data["connect"]["connected"] == true);
  CHECK(r.data["connect"]["elapsed_ms"].get<double>() >= 0);
  CHECK(find_finding(r, "connect:" + target)->severity == Severity::ok);
  int closed_port = 0;
  {
    Socket unused;
    closed_port = unused.bind_loopback();  // bound, never listening: connect is refused
    std::string closed = "127.0.0.1:" + std::to_string(closed_port);
    auto refused = run_probe(local_allowed(), "network", {{{"connect", closed}, {"connect_timeout_ms", "1000"}}});
    CHECK(refused.data["connect"]["connected"] == false);
    CHECK(refused.data["connect"]["error"] == "Connection refused");
    CHECK(find_finding(refused, "connect:" + closed)->severity == Severity::critical);
  }
}

TEST_CASE("live system agrees with uname and getconf; cpu samples a real window") {
  auto r = run_probe(ProbeContext{}, "system");
  CHECK(r.data["kernel"]["release"] == std::string(util::trim(run_tool("uname -r"))));
  CHECK(r.data["hostname"] == std::string(util::trim(run_tool("uname -n"))));
  CHECK(r.data["cpu"]["logical_cpus"] == std::stoi(run_tool("getconf _NPROCESSORS_CONF")));
  auto cpu = run_probe(ProbeContext{}, "cpu", {{{"sample_ms", "100"}}});
  CHECK(cpu.data["basis"] == "window");
  CHECK(cpu.data["window_ms"].get<double>() >= 100);
  CHECK(cpu.data["per_core"].size() == r.data["cpu"]["logical_cpus"].get<std::size_t>());
  double busy = cpu.data["total"]["busy_percent"];
  CHECK((busy >= 0 && busy <= 100));
}

TEST_CASE("live time and services_logs") {
  auto t = run_probe(ProbeContext{}, "time");
  double now = static_cast<double>(std::time(nullptr));
  CHECK(std::abs(t.data["clock"]["epoch_seconds"].get<double>() - now) <= 2);
  CHECK(find_finding(t, "sync") != nullptr);
  auto s = run_probe(ProbeContext{}, "services_logs");
  bool systemd = std::filesystem::exists("/run/systemd/system");
  if (!systemd) {
    CHECK(s.data["available"] == false);
    CHECK(s.worst == Severity::ok);
  } else {
    CHECK(s.data["systemd_running"] == true);
  }
}

TEST_CASE("live display on a private Xvfb: screen size and RandR monitors") {
  elfdesk::test::XvfbServer xvfb(1024, 768);
  ProbeContext ctx;
  ctx.display = xvfb.display();
  auto r = run_probe(ctx, "display");
  INFO(nlohmann::json(r).dump(2));
  CHECK(r.data["screen"]["width"] == 1024);
  CHECK(r.data["screen"]["height"] == 768);
  REQUIRE(r.data["monitors"].is_array());
  REQUIRE(r.data["monitors"].size() >= 1);
  CHECK(r.data["monitors"][0]["width"] == 1024);
  CHECK(r.worst == Severity::ok);
}

}  // namespace elfdesk::probes
