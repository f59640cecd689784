// `triage`: runs every probe family in parallel, each under its own limit, and returns all findings
// ranked by urgency (worst first) with a summary. Runs on the triage worker; children on their own.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/probes/families.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr auto kSlack = std::chrono::milliseconds(250);  // left for collecting after the children
constexpr std::size_t kChildCap = 1u << 20;

std::vector<std::string> skipped(const ProbeArgs& args) {
  std::vector<std::string> out;
  std::string list = args.get_string("skip", "");
  for (auto name : util::split(list, ',')) {
    if (!util::trim(name).empty()) out.emplace_back(util::trim(name));
  }
  return out;
}

nlohmann::json summary_json(const std::vector<Finding>& findings, std::size_t probes) {
  std::array<int, 4> counts{};
  for (const auto& f : findings) ++counts[static_cast<std::size_t>(f.severity)];
  Severity worst = worst_of(findings);
  std::string text = fmt::format("{}: {} critical, {} warning, {} unknown across {} probes", to_string(worst),
                                 counts[2], counts[1], counts[3], probes);
  if (!findings.empty() && findings.front().severity != Severity::ok) {
    text += fmt::format("; most urgent: {} {}: {}", findings.front().probe, findings.front().check,
                        findings.front().reason);
  }
  return {{"worst", to_string(worst)}, {"exit_code", exit_code(worst)},
          {"counts", {{"critical", counts[2]}, {"warning", counts[1]}, {"unknown", counts[3]}, {"ok", counts[0]}}},
          {"probes_run", probes}, {"text", text}};
}

std::expected<ProbeOutput, Error> run_triage(const ProbeContext& ctx, const ProbeArgs& args) {
  auto per_probe = std::chrono::milliseconds(args.get_int("probe_limit_ms", 5000));
  auto limit = std::min(per_probe, ctx.remaining() - kSlack);
  if (limit.count() <= 0) return std::unexpected(make_error(ErrorCode::timeout, "no time left to run probes"));
  RunnerOptions options;
  options.default_time_limit = limit;
  options.output_cap = kChildCap;
  ProbeRunner runner(family_registry(), ctx, options);
  auto skip = skipped(args);
  std::vector<ProbeInvocation> calls;
  for (const auto& info : runner.registry().probes()) {
    if (std::find(skip.begin(), skip.end(), info.name) == skip.end()) calls.push_back({info.name, {}, limit, 0});
  }
  auto reports = runner.run_many(calls, /*parallel=*/true);
  if (!reports) return std::unexpected(reports.error());
  ProbeOutput out;
  out.data["probes"] = nlohmann::json::object();
  for (auto& r : *reports) {
    out.data["probes"][r.probe] = {{"worst", to_string(r.worst)}, {"elapsed_ms", util::round_to(r.elapsed_ms, 3)},
                                   {"data", std::move(r.data)}};
    for (auto& f : r.findings) out.findings.push_back(std::move(f));
  }
  rank_by_urgency(out.findings);
  out.data["skipped"] = skip;
  out.data["summary"] = summary_json(out.findings, reports->size());
  return out;
}

std::optional<std::string> check_skip(std::string_view list) {
  auto known = family_registry();
  for (auto name : util::split(list, ',')) {
    auto trimmed = util::trim(name);
    if (!trimmed.empty() && !known.find(trimmed)) {
      return fmt::format("'{}' is not a probe family; known: {}", trimmed, fmt::join(known.names(), ", "));
    }
  }
  return std::nullopt;
}

}  // namespace

ProbeInfo triage_probe_info() {
  return {"triage",
          "runs every probe family in parallel and ranks all findings by urgency, worst first",
          {{"skip", ArgType::string, "comma-separated families not to run, e.g. display,network", 0, 0, check_skip},
           {"probe_limit_ms", ArgType::integer, "time limit of each family in ms (default 5000)", 100, 30000, {}}},
          run_triage,
          std::chrono::milliseconds(12000)};
}

}  // namespace elfdesk::probes
