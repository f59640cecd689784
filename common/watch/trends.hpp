// Trends over the watcher's runs, not just thresholds: how fast a filesystem fills (and when it will be
// full), OOM kills and memory stalls since the last run, a unit that keeps failing, a clock that keeps
// being stepped or stays unsynchronised. Pure functions on samples; any thread; times in seconds.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/probes/probe.hpp"

namespace elfdesk::watch {

struct DiskSample {
  double size_bytes = 0;
  double available_bytes = 0;
};

// What one run keeps for the trends (stored in the history line as "samples").
struct RunSample {
  double wall_s = 0;  // CLOCK_REALTIME
  double boot_s = 0;  // CLOCK_BOOTTIME: wall minus boot moving between runs means the clock was stepped
  std::map<std::string, DiskSample> disks;  // by mount point
  std::optional<std::uint64_t> oom_kills;   // since boot
  std::optional<double> psi_some_us;        // memory PSI "some" total, microseconds since boot
  std::vector<std::string> failed_units;
  std::optional<bool> clock_synced;
};

// Reads the families' data out of a triage report.
RunSample sample_from_triage(const probes::ProbeReport& triage, double wall_s, double boot_s);
nlohmann::json to_json(const RunSample& sample);
RunSample sample_from_json(const nlohmann::json& in);  // tolerant: missing fields stay empty

struct TrendLimits {
  double fill_warning_s = 7 * 86400.0;   // full within a week at the current rate: warning
  double fill_critical_s = 1 * 86400.0;  // within a day: critical
  std::size_t window = 12;               // runs the fill rate is fitted over (3 h at 15 min)
  double min_fill_bytes = 1 << 20;       // less growth than this over the window is noise
  double psi_warning_percent = 10.0;     // share of the time between runs some task stalled on memory
  std::size_t unit_failures = 3;         // failed in this many of the last `window` runs: keeps failing
  double clock_step_s = 1.0;             // a step this large between runs counts
  std::size_t clock_steps = 2;           // that many steps in the window: keeps drifting
  std::size_t unsynced_runs = 3;         // unsynchronised this many runs in a row
};

// Least-squares fit of available bytes over time: how fast it falls, and the seconds from the last point
// until it reaches 0; nullopt when it is not falling. Points: (time_s, available_bytes), oldest first.
struct FillFit {
  double seconds_until_full = 0;
  double bytes_per_second = 0;  // > 0 while filling
};
std::optional<FillFit> fit_fill(const std::vector<std::pair<double, double>>& points);
std::optional<double> seconds_until_full(const std::vector<std::pair<double, double>>& points);

// "about 3 days", "about 5 hours", "about 20 minutes", "less than a minute".
std::string about(double seconds);

// Trend findings (probe "watch") for the newest sample given the earlier ones, oldest first; the last
// element of `runs` is the current run. Each finding carries its advice.
std::vector<probes::Finding> trend_findings(const std::vector<RunSample>& runs, const TrendLimits& limits);

}  // namespace elfdesk::watch
