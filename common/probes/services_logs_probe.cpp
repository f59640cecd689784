// `services_logs`: failed systemd units (sd-bus) and recent error-priority journal entries (sd-journal).
// No shell commands. Without systemd as init the probe says so: available=false, severity ok.
#include <fmt/format.h>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"
#include "common/probes/systemd_access.hpp"

namespace elfdesk::probes {
namespace {

constexpr std::size_t kErrorStorm = 50;  // error-priority entries in the window that warrant a warning

void units_finding(ProbeOutput& out, const std::expected<std::vector<FailedUnit>, Error>& units) {
  if (!units) {
    out.data["failed_units"] = nullptr;
    out.add("failed_units", Severity::unknown, "cannot list systemd units: " + units.error().detail);
    return;
  }
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> names;
  for (const auto& u : *units) {
    list.push_back({{"unit", u.name}, {"description", u.description}, {"load", u.load}, {"active", u.active},
                    {"sub", u.sub}});
    names.push_back(u.name);
  }
  out.data["failed_units"] = list;
  out.add("failed_units", units->empty() ? Severity::ok : Severity::warning,
          units->empty() ? std::string("no failed systemd units")
                         : fmt::format("{} failed systemd unit(s): {}", units->size(), fmt::join(names, ", ")),
          units->size());
}

void journal_finding(ProbeOutput& out, const std::expected<JournalSummary, Error>& journal, long long minutes) {
  if (!journal) {
    out.data["journal"] = nullptr;
    out.add("journal", Severity::unknown, "cannot read the journal: " + journal.error().detail);
    return;
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : journal->recent) {
    entries.push_back({{"time", e.time_iso8601}, {"priority", e.priority}, {"identifier", e.identifier},
                       {"unit", e.unit}, {"message", e.message}});
  }
  out.data["journal"] = {{"window_minutes", minutes}, {"error_count", journal->errors},
                         {"critical_count", journal->critical}, {"count_capped", journal->capped},
                         {"recent", entries}};
  if (journal->critical > 0) {
    out.add("journal", Severity::warning,
            fmt::format("{} emergency/alert/critical journal entries in the last {} min", journal->critical, minutes),
            journal->critical);
  } else if (journal->errors >= kErrorStorm) {
    out.add("journal", Severity::warning,
            fmt::format("{} error-priority journal entries in the last {} min (warning >= {})", journal->errors,
                        minutes, kErrorStorm),
            journal->errors);
  } else {
    out.add("journal", Severity::ok,
            fmt::format("{} error-priority journal entries in the last {} min", journal->errors, minutes),
            journal->errors);
  }
}

std::expected<ProbeOutput, Error> run_services_logs(const ProbeContext& ctx, const ProbeArgs& args) {
  ProbeOutput out;
  std::error_code ec;
  bool running = std::filesystem::exists(ctx.systemd_marker, ec);
  out.data["systemd_running"] = running;
  out.data["libsystemd"] = systemd_support_built();
  if (!running || !systemd_support_built()) {
    out.data["available"] = false;
    std::string note = !running ? "systemd is not running on this machine (no " + ctx.systemd_marker.string() +
                                      "); failed units and journal were not checked"
                                : std::string("elfdesk was built without libsystemd; units and journal not checked");
    out.data["note"] = note;
    out.add("systemd", Severity::ok, note, false);
    return out;
  }
  out.data["available"] = true;
  auto minutes = args.get_int("since_minutes", 60);
  auto max_entries = static_cast<std::size_t>(args.get_int("max_entries", 20));
  units_finding(out, list_failed_units(std::min(ctx.remaining(), std::chrono::milliseconds(3000))));
  journal_finding(out, read_journal_errors(ctx.journal_dir, minutes, max_entries, ctx), minutes);
  return out;
}

}  // namespace

ProbeInfo services_logs_probe_info() {
  return {"services_logs",
          "failed systemd units and recent error-priority journal entries (where systemd runs)",
          {{"since_minutes", ArgType::integer, "journal window in minutes (default 60)", 1, 10080, {}},
           {"max_entries", ArgType::integer, "most recent entries to include (default 20)", 0, 200, {}}},
          run_services_logs,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
