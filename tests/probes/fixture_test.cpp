// Every probe against hand-written fixtures of a healthy and a sick machine (tests/probes/fixtures).
#include <doctest/doctest.h>

#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {
namespace {

using test::find_finding;
using test::fixture_context;
using test::run_probe;

constexpr std::uint64_t kGiB = 1ull << 30;

FsStats stats(std::uint64_t size, double free_percent, std::uint64_t inodes = 1000000, double inode_free = 50) {
  auto avail = static_cast<std::uint64_t>(static_cast<double>(size) * free_percent / 100.0);
  return {size, avail, avail, inodes, static_cast<std::uint64_t>(static_cast<double>(inodes) * inode_free / 100.0), false};
}

ProbeContext healthy() {
  auto ctx = fixture_context("healthy", {{"/", stats(100 * kGiB, 50)},
                                         {"/home", stats(500 * kGiB, 40)},
                                         {"/run", stats(kGiB, 99)},
                                         {"/media/My Disk", stats(8 * kGiB, 70, 0, 0)}});
  ctx.sources.interface_addresses = [] {
    return std::expected<std::vector<InterfaceAddress>, Error>(std::vector<InterfaceAddress>{
        {"lo", "ipv4", "127.0.0.1", 8}, {"eth0", "ipv4", "192.168.0.10", 24}, {"eth0", "ipv6", "2001:db8::10", 64}});
  };
  ctx.sources.clock_sync = [] { return std::expected<ClockSync, Error>(ClockSync{true, 20000, 100, 0, 0}); };
  return ctx;
}

ProbeContext sick() {
  auto ctx = fixture_context("sick", {{"/", stats(50 * kGiB, 2)},
                                      {"/data", stats(2000 * kGiB, 8)},
                                      {"/var", stats(20 * kGiB, 60, 1000000, 1)},
                                      {"/mnt/backup", stats(100 * kGiB, 30)},
                                      {"/snap/core/1", FsStats{100 << 20, 0, 0, 1000, 0, true}}});
  ctx.sources.interface_addresses = [] {
    return std::expected<std::vector<InterfaceAddress>, Error>(
        std::vector<InterfaceAddress>{{"lo", "ipv4", "127.0.0.1", 8}});
  };
  ctx.sources.clock_sync = [] { return std::expected<ClockSync, Error>(ClockSync{false, 16000000, 16000000, 5, 0x40}); };
  return ctx;
}

Severity severity_of(const ProbeReport& r, const std::string& check) {
  const Finding* f = find_finding(r, check);
  REQUIRE_MESSAGE(f != nullptr, "no finding " << check << " in " << nlohmann::json(r).dump(2));
  return f->severity;
}

// Every report must survive a JSON round trip through nlohmann.
ProbeReport checked(const ProbeReport& r) {
  auto parsed = report_from_json(nlohmann::json::parse(nlohmann::json(r).dump()));
  REQUIRE(parsed.has_value());
  return *parsed;
}

}  // namespace

TEST_CASE("fixture system: healthy and sick") {
  auto h = checked(run_probe(healthy(), "system"));
  CHECK(h.data["os"]["id"] == "debian");
  CHECK(h.data["os"]["pretty_name"] == "Debian GNU/Linux 12 (bookworm)");
  CHECK(h.data["kernel"]["release"] == "6.1.0-fixture-amd64");
  CHECK(h.data["hostname"] == "healthy-box");
  CHECK(h.data["uptime_seconds"] == 86400.5);
  CHECK(h.data["boot_time"]["iso8601"] == "2023-11-14T22:13:20Z");
  CHECK(h.data["cpu"]["model"] == "Fixture CPU @ 3.00GHz");
  CHECK(h.data["cpu"]["logical_cpus"] == 4);
  CHECK(h.data["virtualisation"]["kind"] == "bare_metal_or_unknown");
  CHECK(h.data["virtualisation"]["dmi_sys_vendor"] == "Dell Inc.");
  CHECK(h.data["load"]["load5"] == 0.5);
  CHECK(severity_of(h, "load") == Severity::ok);
  auto s = checked(run_probe(sick(), "system"));
  CHECK(s.data["virtualisation"]["container"] == "docker");
  CHECK(s.data["virtualisation"]["hypervisor_flag"] == true);
  CHECK(s.data["load"]["load5_per_core"] == 5.25);
  CHECK(severity_of(s, "load") == Severity::critical);
  CHECK(s.worst == Severity::critical);
}

TEST_CASE("fixture cpu: static counters fall back to averages since boot") {
  auto h = checked(run_probe(healthy(), "cpu", {{{"sample_ms", "20"}}}));
  CHECK(h.data["basis"] == "since_boot");
  CHECK(h.data["logical_cpus"] == 4);
  CHECK(h.data["total"]["busy_percent"] == 4.8);
  CHECK(h.data["per_core"].size() == 4);
  CHECK(h.data["top_consumers"][0]["name"] == "Xorg");
  CHECK(h.data["top_consumers"][0]["command"] == "/usr/lib/xorg/Xorg :0");
  CHECK(h.worst == Severity::ok);
  auto s = checked(run_probe(sick(), "cpu", {{{"sample_ms", "0"}, {"top", "1"}}}));
  CHECK(s.data["total"]["busy_percent"] == 96.9);
  CHECK(s.data["top_consumers"].size() == 1);
  CHECK(s.data["top_consumers"][0]["name"] == "sh (x)");
  CHECK(s.data["top_consumers"][0]["cpu_percent"] == 86.4);
  CHECK(severity_of(s, "utilisation") == Severity::warning);
  CHECK(severity_of(s, "steal") == Severity::warning);
}

TEST_CASE("fixture memory: healthy and sick") {
  auto h = checked(run_probe(healthy(), "memory"));
  CHECK(h.data["total_bytes"] == 16000000ull * 1024);
  CHECK(h.data["available_percent"] == 60.0);
  CHECK(h.data["oom_kills"] == 0);
  CHECK(h.data["pressure"]["some"]["avg10"] == 0.0);
  CHECK(h.worst == Severity::ok);
  auto s = checked(run_probe(sick(), "memory"));
  CHECK(severity_of(s, "available") == Severity::critical);
  CHECK(find_finding(s, "available")->reason.find("(3.0%; warning < 10%, critical < 5%)") != std::string::npos);
  CHECK(severity_of(s, "swap") == Severity::warning);
  CHECK(severity_of(s, "pressure") == Severity::critical);
  CHECK(severity_of(s, "oom_kills") == Severity::warning);
  CHECK(s.data["swap_used_percent"] == 95.0);
}

TEST_CASE("fixture disk: pseudo filesystems skipped, thresholds, read-only, escapes") {
  auto h = checked(run_probe(healthy(), "disk"));
  std::vector<std::string> points;
  for (const auto& fs : h.data["filesystems"]) points.push_back(fs["mount_point"]);
  CHECK(points == std::vector<std::string>{"/", "/home", "/run", "/media/My Disk"});
  CHECK(h.data["filesystems"][3]["inodes_free_percent"].is_null());
  CHECK(h.data["filesystems"][0]["free_percent"] == 50.0);
  CHECK(severity_of(h, "space") == Severity::ok);
  CHECK(h.worst == Severity::ok);
  auto s = checked(run_probe(sick(), "disk"));
  CHECK(severity_of(s, "space:/") == Severity::critical);
  CHECK(find_finding(s, "space:/")->reason.rfind("/ has 2.0% free", 0) == 0);
  CHECK(severity_of(s, "space:/data") == Severity::warning);
  CHECK(find_finding(s, "space:/data")->reason.rfind("/data has 8.0% free", 0) == 0);
  CHECK(severity_of(s, "inodes:/var") == Severity::critical);
  CHECK(find_finding(s, "space:/var") == nullptr);
  CHECK(severity_of(s, "read_only:/mnt/backup") == Severity::warning);
  CHECK(find_finding(s, "space:/snap/core/1") == nullptr);  // read-only images are full by design
  CHECK(severity_of(s, "stats:/run") == Severity::unknown);
  CHECK(s.findings[0].severity == Severity::critical);
}

TEST_CASE("fixture processes: counts, tops, zombies") {
  auto h = checked(run_probe(healthy(), "processes", {{{"sample_ms", "0"}}}));
  CHECK(h.data["count"] == 3);
  CHECK(h.data["threads"] == 84);
  CHECK(h.data["top_memory"][0]["name"] == "firefox");
  CHECK(h.data["top_cpu"][0]["name"] == "Xorg");
  CHECK(h.data["cpu_basis"] == "since_start");
  CHECK(severity_of(h, "zombies") == Severity::ok);
  auto s = checked(run_probe(sick(), "processes", {{{"top", "1"}}}));
  CHECK(s.data["top_cpu"].size() == 1);
  CHECK(s.data["states"]["Z"] == 1);
  CHECK(severity_of(s, "zombies") == Severity::warning);
  CHECK(find_finding(s, "zombies")->reason ==
        "1 zombie process(es), e.g. pid 500 (defunct-child) not reaped by parent pid 400 (sh (x))");
}

TEST_CASE("fixture network: interfaces, routes, DNS") {
  auto h = checked(run_probe(healthy(), "network"));
  REQUIRE(h.data["interfaces"].size() == 2);
  const auto& eth0 = h.data["interfaces"][0];
  CHECK(eth0["name"] == "eth0");
  CHECK(eth0["up"] == true);
  CHECK(eth0["mac"] == "52:54:00:12:34:56");
  CHECK(eth0["addresses"].size() == 2);
  CHECK(h.data["interfaces"][1]["loopback"] == true);
  CHECK(h.data["default_routes"]["ipv4"][0]["gateway"] == "192.168.0.1");
  CHECK(h.data["default_routes"]["ipv4"][0]["metric"] == 100);
  REQUIRE(h.data["default_routes"]["ipv6"].size() == 1);
  CHECK(h.data["default_routes"]["ipv6"][0]["gateway"] == "2001:db8::1");
  CHECK(h.data["dns"]["nameservers"] == nlohmann::json{"192.0.2.53", "2001:db8::53"});
  CHECK(h.data["dns"]["search"] == nlohmann::json{"example.org"});
  CHECK(h.worst == Severity::ok);
  auto s = checked(run_probe(sick(), "network"));
  CHECK(severity_of(s, "link") == Severity::critical);
  CHECK(severity_of(s, "default_route") == Severity::warning);
  CHECK(severity_of(s, "dns_servers") == Severity::warning);
  CHECK(s.data["interfaces"][0]["carrier"].is_null());
}

TEST_CASE("fixture time: timezone sources and sync state") {
  auto h = checked(run_probe(healthy(), "time"));
  CHECK(h.data["timezone"]["timezone_file"] == "Europe/Berlin");
  CHECK(h.data["timezone"]["localtime_target"] == "Europe/Berlin");
  CHECK(severity_of(h, "sync") == Severity::ok);
  auto iso = h.data["clock"]["iso8601_utc"].get<std::string>();
  CHECK(iso.size() == 24);
  CHECK(iso.back() == 'Z');
  auto s = checked(run_probe(sick(), "time"));
  CHECK(s.data["timezone"]["timezone_file"].is_null());
  CHECK(s.data["timezone"]["localtime_target"] == "UTC");
  CHECK(severity_of(s, "sync") == Severity::warning);
  CHECK(s.data["sync"]["synchronised"] == false);
}

TEST_CASE("fixture services_logs: no systemd is ok with available=false; with systemd, journal is read") {
  auto h = checked(run_probe(healthy(), "services_logs"));
  CHECK(h.data["available"] == false);
  CHECK(h.data["note"].get<std::string>().find("systemd is not running") != std::string::npos);
  CHECK(h.worst == Severity::ok);
  auto s = checked(run_probe(sick(), "services_logs"));
  if (s.data["libsystemd"] == true) {
    CHECK(s.data["available"] == true);
    CHECK(find_finding(s, "failed_units") != nullptr);  // unknown here: no systemd on the bus
    CHECK(severity_of(s, "journal") == Severity::ok);
    CHECK(s.data["journal"]["error_count"] == 0);
  }
}

TEST_CASE("fixture display: an unreachable display is unknown with a reason") {
  auto ctx = healthy();
  ctx.display = ":4095";
  auto r = checked(run_probe(ctx, "display"));
  CHECK(r.worst == Severity::unknown);
  CHECK(r.findings[0].reason == "cannot open X display :4095");
}

TEST_CASE("fixture triage: sick machine ranks criticals first with a summary") {
  auto s = checked(run_probe(sick(), "triage", {{{"skip", "display"}}}));
  CHECK(s.worst == Severity::critical);
  CHECK(s.data["summary"]["exit_code"] == 2);
  CHECK(s.data["summary"]["probes_run"] == 8);
  CHECK(s.data["summary"]["counts"]["critical"].get<int>() >= 5);
  CHECK(s.data["probes"].contains("disk"));
  CHECK_FALSE(s.data["probes"].contains("display"));
  for (std::size_t i = 1; i < s.findings.size(); ++i) {
    CHECK(urgency(s.findings[i - 1].severity) >= urgency(s.findings[i].severity));
  }
  CHECK(s.data["summary"]["text"].get<std::string>().find("most urgent:") != std::string::npos);
  auto h = checked(run_probe(healthy(), "triage", {{{"skip", "display"}}}));
  INFO(format_report_text(h));
  CHECK(h.worst == Severity::ok);
}

}  // namespace elfdesk::probes
