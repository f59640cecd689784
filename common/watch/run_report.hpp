// One watcher run as data: its findings, the trend samples and what the run cost (CPU, peak memory); the
// history line, and what --report-to sends (the findings only). Also the cost meter. Watcher thread.
#pragma once
#include <nlohmann/json.hpp>

#include <expected>
#include <string>
#include <vector>

#include "common/probes/finding.hpp"
#include "common/watch/trends.hpp"
#include "protocol/error.hpp"

namespace elfdesk::watch {

struct RunCost {
  double cpu_ms = 0;      // user + system CPU of the whole process (all probe threads) during the run
  long peak_rss_kib = 0;  // VmHWM after the run, the peak reset before it (clear_refs 5); 0 if unknown
  double wall_ms = 0;
};

// Measures one run: construct before it, finish() after.
class CostMeter {
 public:
  CostMeter();
  RunCost finish() const;

 private:
  double cpu_start_ms_;
  double wall_start_ms_;
};

struct RunRecord {
  double epoch_seconds = 0;
  probes::Severity worst = probes::Severity::ok;
  std::vector<probes::Finding> findings;  // every non-ok finding, trends included, most urgent first
  RunSample sample;
  RunCost cost;
};

std::string iso_utc(double epoch_seconds);  // "2026-12-04T15:30:00Z"
nlohmann::json history_line(const RunRecord& run);
// Only the findings: time, worst, and each finding's probe, check, severity, reason, value and advice.
nlohmann::json report_line(const RunRecord& run);

// --report-to: "journal" (one entry per non-ok finding with ELFDESK_* fields, one summary entry per run)
// or a path (report_line() appended as one JSON line).
std::expected<void, Error> send_report(const std::string& target, const RunRecord& run);

}  // namespace elfdesk::watch
