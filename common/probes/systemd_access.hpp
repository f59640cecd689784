// Read-only access to systemd through libsystemd (sd-bus: failed units; sd-journal: error entries).
// Internal to elfdesk_probes; blocking calls on the probe worker thread, each bounded by a timeout.
// When built without libsystemd every call returns ErrorCode::unavailable.
#pragma once
#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "common/probes/probe.hpp"
#include "protocol/error.hpp"

namespace elfdesk::probes {

struct FailedUnit {
  std::string name, description, load, active, sub;
};

struct JournalEntry {
  std::string time_iso8601;
  int priority = 3;  // syslog: 0 emerg .. 3 err
  std::string identifier, unit, message;
};

struct JournalSummary {
  std::size_t errors = 0;    // priority 0..3 in the window
  std::size_t critical = 0;  // priority 0..2 in the window
  bool capped = false;       // counting stopped at the scan cap
  std::vector<JournalEntry> recent;  // newest first
};

bool systemd_support_built();
std::expected<std::vector<FailedUnit>, Error> list_failed_units(std::chrono::milliseconds timeout);
// `dir` empty: the local system journal; otherwise journal files under `dir`.
std::expected<JournalSummary, Error> read_journal_errors(const std::filesystem::path& dir, long long minutes,
                                                         std::size_t max_entries, const ProbeContext& ctx);

}  // namespace elfdesk::probes
