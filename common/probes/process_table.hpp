// Snapshots of /proc/stat CPU counters and /proc/[pid]/stat, and per-process CPU over a window.
// Shared by the cpu and processes probes. Internal to elfdesk_probes; stateless, any thread.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::probes {

struct CpuTimes {  // clock ticks since boot, one line of /proc/stat
  std::string name;  // "cpu" (all) or "cpu0", "cpu1", ...
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  std::uint64_t total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
  std::uint64_t idle_all() const { return idle + iowait; }
};
// The aggregate line first, then one per core.
std::expected<std::vector<CpuTimes>, Error> read_cpu_times(const std::filesystem::path& proc);

// Percentages of the interval between two snapshots of one CPU line (all 0 when nothing elapsed).
nlohmann::json cpu_usage_json(const CpuTimes& before, const CpuTimes& after);
double cpu_busy_percent(const CpuTimes& before, const CpuTimes& after);

struct ProcessSample {
  int pid = 0;
  int ppid = 0;
  std::string comm;  // kernel's short name (<= 15 chars)
  char state = '?';  // R, S, D, Z, T, I, ...
  std::uint64_t cpu_ticks = 0;  // utime + stime
  std::uint64_t rss_bytes = 0;
  std::uint64_t start_ticks = 0;  // since boot
  int threads = 0;
};
// Every process under `proc`; processes that vanish while reading are skipped.
std::vector<ProcessSample> read_processes(const std::filesystem::path& proc);

struct ProcessCpu {
  const ProcessSample* process;
  double cpu_percent;  // of one core over the window (like top)
};
// CPU share of each process present in both snapshots, highest first, at most `top`.
std::vector<ProcessCpu> top_cpu(const std::vector<ProcessSample>& before, const std::vector<ProcessSample>& after,
                                double window_seconds, std::size_t top);

// Like ps %CPU: CPU time over the process's lifetime, for a static snapshot (fixtures, sample_ms=0).
std::vector<ProcessCpu> top_cpu_lifetime(const std::vector<ProcessSample>& processes, double uptime_seconds,
                                         std::size_t top);
std::optional<double> read_uptime_seconds(const std::filesystem::path& proc);

// A command line (the NUL-separated argv of /proc/PID/cmdline) joined with spaces, with the values of
// secret-looking options masked: any argument name containing pass, pwd, token, key, secret, auth,
// credential, cookie, bearer or signature, in the forms --x=v, -x=v, x=v (environment style) and --x v,
// and the password in scheme://user:password@host. Diagnostics never carry a customer's secrets.
std::string redacted_command_line(std::string_view cmdline);
inline constexpr std::string_view kRedacted = "***";

// JSON for a process: pid, ppid, name, state, rss_bytes, threads, command (redacted cmdline, <= 256 bytes).
nlohmann::json process_json(const std::filesystem::path& proc, const ProcessSample& p);
long clock_ticks_per_second();

}  // namespace elfdesk::probes
