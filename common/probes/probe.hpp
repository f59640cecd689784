// Probe vocabulary: arguments, the context a probe reads from (paths, live sources, deadline), its
// report, and the registry of probe families with their argument schemas. Values; the registry is
// built once and then only read (any thread). Probes are read-only and never run shell commands.
#pragma once
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/probes/finding.hpp"
#include "common/probes/system_sources.hpp"
#include "protocol/error.hpp"

namespace elfdesk::probes {

// Key/value arguments in the order given. Validated against the probe's ArgSpecs before a run,
// so the typed getters only fall back when a key is absent.
struct ProbeArgs {
  std::vector<std::pair<std::string, std::string>> items;

  std::optional<std::string> get(std::string_view key) const;
  long long get_int(std::string_view key, long long fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key, std::string fallback) const;
  void set(std::string key, std::string value);  // replaces an existing key
  friend bool operator==(const ProbeArgs&, const ProbeArgs&) = default;
};

// Where a probe reads the machine from. Defaults are the live system; tests point the paths at
// fixtures (see rooted_at) and replace `sources` for what no file can fake (statvfs, getifaddrs, ...).
class NetCheckBudget;  // net_checks.hpp

struct ProbeContext {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::filesystem::path mount_table = "/proc/self/mounts";
  std::filesystem::path os_release = "/etc/os-release";  // falls back to /usr/lib/os-release
  std::filesystem::path resolv_conf = "/etc/resolv.conf";
  std::filesystem::path timezone_file = "/etc/timezone";
  std::filesystem::path localtime = "/etc/localtime";
  std::filesystem::path container_marker = "/.dockerenv";
  std::filesystem::path systemd_marker = "/run/systemd/system";  // exists iff systemd is PID 1
  std::filesystem::path journal_dir;  // empty: the local system journal
  std::filesystem::path watch_history;  // the watcher's history file; empty: run_history.hpp's default
  std::string display;                // X display for `display`; empty: $DISPLAY
  SystemSources sources;              // empty members: the real system calls
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::shared_ptr<const std::atomic<bool>> cancel;  // set by the runner when the time limit passed
  // Active network checks (resolve, connect) may reach loopback, link-local and private addresses only
  // when the customer allowed it (elfdesk-host --allow-local-net-checks), and are rate limited.
  bool allow_local_targets = false;
  std::shared_ptr<NetCheckBudget> net_budget;  // null: the process-wide budget

  // Every path under `root` (root/proc, root/sys, root/etc/os-release, ...): for fixtures.
  static ProbeContext rooted_at(const std::filesystem::path& root);
  bool expired() const;                         // deadline passed or cancelled
  std::chrono::milliseconds remaining() const;  // 0 when expired
  // Sleeps up to `duration` in short slices; false when the run was cancelled or the deadline passed.
  bool sleep_for(std::chrono::milliseconds duration) const;
};

// What a probe function returns; the runner adds name, worst severity and timing.
struct ProbeOutput {
  nlohmann::json data = nlohmann::json::object();
  std::vector<Finding> findings;
  // Appends a finding; the probe name is filled in by the runner.
  void add(std::string check, Severity severity, std::string reason, nlohmann::json value = nullptr);
};

struct ProbeReport {
  std::string probe;
  nlohmann::json data = nlohmann::json::object();
  std::vector<Finding> findings;  // most urgent first
  Severity worst = Severity::ok;
  double elapsed_ms = 0;
};
void to_json(nlohmann::json& out, const ProbeReport& report);
void from_json(const nlohmann::json& in, ProbeReport& report);  // throws nlohmann::json::exception
std::expected<ProbeReport, Error> report_from_json(const nlohmann::json& in);

enum class ArgType : std::uint8_t { integer, boolean, string };
std::string_view to_string(ArgType type);

struct ArgSpec {
  std::string key;
  ArgType type = ArgType::string;
  std::string help;                 // one line, with unit and default
  long long min = 0;                // integer bounds, inclusive
  long long max = 0;
  // Extra check for strings; returns an error sentence, or nullopt when the value is fine.
  std::function<std::optional<std::string>(std::string_view)> check;
};

using ProbeFn = std::function<std::expected<ProbeOutput, Error>(const ProbeContext&, const ProbeArgs&)>;

struct ProbeInfo {
  std::string name;
  std::string description;  // one line
  std::vector<ArgSpec> args;
  ProbeFn fn;
  std::chrono::milliseconds time_limit{0};  // 0: the runner's default
};

class ProbeRegistry {
 public:
  // Rejects a duplicate or malformed name, or a missing function.
  std::expected<void, Error> add(ProbeInfo info);
  const ProbeInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted
  const std::vector<ProbeInfo>& probes() const { return probes_; }
  nlohmann::json describe() const;  // names, descriptions and argument schemas, for `--list`

 private:
  std::vector<ProbeInfo> probes_;
};

// Checks every key is known, unique, and its value has the right type and range.
std::expected<void, Error> validate_args(const ProbeInfo& info, const ProbeArgs& args);

// The probe families (system, cpu, memory, disk, processes, network, services_logs, time, display).
ProbeRegistry family_registry();
// family_registry() plus `triage`, which runs every family, and `history` (the watcher's runs).
ProbeRegistry builtin_registry();

}  // namespace elfdesk::probes
