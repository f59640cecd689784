// format_report_text: the human view of probe reports (see probe_runner.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/probes/advice.hpp"
#include "common/probes/probe_runner.hpp"

namespace elfdesk::probes {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string findings_table(std::vector<Finding> findings) {
  rank_by_urgency(findings);
  std::size_t probe_w = 5, check_w = 5;
  for (const auto& f : findings) {
    probe_w = std::max(probe_w, f.probe.size());
    check_w = std::max(check_w, f.check.size());
  }
  std::string out = fmt::format("{:<9} {:<{}} {:<{}} {}\n", "SEVERITY", "PROBE", probe_w, "CHECK", check_w, "REASON");
  for (const auto& f : findings) {
    out += fmt::format("{:<9} {:<{}} {:<{}} {}\n", upper(to_string(f.severity)), f.probe, probe_w, f.check,
                       check_w, f.reason);
    // What to do, under the reason: indented, so every row still starts with its severity.
    const std::string indent(10 + probe_w + 1 + check_w + 1, ' ');
    if (!f.advice.empty()) out += indent + "advice: " + f.advice + "\n";
    if (const std::string fix = remedy_command_args(f); !fix.empty()) out += indent + "fix: elfdesk fix ... " + fix + "\n";
  }
  return out;
}

struct ProbeRow {
  std::string name;
  Severity worst;
  double elapsed_ms;
};

// One row per report; a triage report also lists the families it ran (from its data.probes).
std::vector<ProbeRow> probe_rows(const std::vector<ProbeReport>& reports) {
  std::vector<ProbeRow> rows;
  for (const auto& r : reports) {
    rows.push_back({r.probe, r.worst, r.elapsed_ms});
    if (r.probe != "triage" || !r.data.contains("probes") || !r.data["probes"].is_object()) continue;
    for (const auto& [name, child] : r.data["probes"].items()) {
      auto worst = severity_from_string(child.value("worst", "unknown"));
      rows.push_back({"  " + name, worst.value_or(Severity::unknown), child.value("elapsed_ms", 0.0)});
    }
  }
  return rows;
}

std::string probes_table(const std::vector<ProbeRow>& rows) {
  std::size_t name_w = 5;
  for (const auto& r : rows) name_w = std::max(name_w, r.name.size());
  std::string out = fmt::format("{:<{}} {:<9} {:>10}\n", "PROBE", name_w, "WORST", "TIME");
  for (const auto& r : rows) {
    out += fmt::format("{:<{}} {:<9} {:>7.1f} ms\n", r.name, name_w, upper(to_string(r.worst)), r.elapsed_ms);
  }
  return out;
}

}  // namespace

std::string format_report_text(const std::vector<ProbeReport>& reports) {
  std::vector<Finding> findings;
  std::array<int, 4> counts{};
  for (const auto& r : reports) {
    for (const auto& f : r.findings) {
      findings.push_back(f);
      ++counts[static_cast<std::size_t>(f.severity)];
    }
  }
  Severity worst = worst_of(reports);
  std::string out = fmt::format(
      "elfdesk diagnostics: {} (exit {}) - {} critical, {} warning, {} unknown, {} ok; {} finding(s) from {} probe(s)\n\n",
      upper(to_string(worst)), exit_code(worst), counts[2], counts[1], counts[3], counts[0], findings.size(),
      reports.size());
  if (!findings.empty()) out += findings_table(std::move(findings)) + "\n";
  out += probes_table(probe_rows(reports));
  return out;
}

std::string format_report_text(const ProbeReport& report) {
  return format_report_text(std::vector<ProbeReport>{report});
}

}  // namespace elfdesk::probes
