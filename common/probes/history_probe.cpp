// `history`: the watcher's recent runs (common/watch/, `elfdesk-host --watch`) from its history file, so
// an engineer sees what happened before the call. Read-only; only the findings and their times, never the
// samples the trends are computed from.
#include <fmt/format.h>

#include "common/probes/families.hpp"
#include "common/probes/run_history.hpp"

namespace elfdesk::probes {
namespace {

// A run as the engineer sees it: time, worst, the cost, and the findings that were not ok.
nlohmann::json summarise(const nlohmann::json& run) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : run.value("findings", nlohmann::json::array()))
    if (f.is_object() && f.value("severity", std::string("ok")) != "ok") findings.push_back(f);
  return {{"time", run.value("time", std::string())},
          {"epoch_seconds", run.value("epoch_seconds", 0.0)},
          {"worst", run.value("worst", std::string("unknown"))},
          {"cost", run.value("cost", nlohmann::json(nullptr))},
          {"findings", std::move(findings)}};
}

std::expected<ProbeOutput, Error> run_history(const ProbeContext& ctx, const ProbeArgs& args) {
  const auto path = ctx.watch_history.empty() ? default_history_path() : ctx.watch_history;
  ProbeOutput out;
  out.data["path"] = path.string();
  out.data["runs"] = nlohmann::json::array();
  if (path.empty()) {
    out.add("history", Severity::unknown, "no state directory (neither XDG_STATE_HOME nor HOME is set)");
    return out;
  }
  auto runs = RunHistory(path).newest(static_cast<std::size_t>(args.get_int("runs", 50)));
  if (!runs) return std::unexpected(runs.error());
  for (const auto& run : *runs) out.data["runs"].push_back(summarise(run));
  if (runs->empty()) {
    out.add("history", Severity::ok, "no watcher runs recorded (elfdesk-host --watch has not run here)", 0);
  } else {
    out.add("history", Severity::ok,
            fmt::format("{} watcher run(s) from {} to {}", runs->size(), runs->front().value("time", std::string("?")),
                        runs->back().value("time", std::string("?"))),
            runs->size());
  }
  return out;
}

}  // namespace

ProbeInfo history_probe_info() {
  return {"history",
          "the watcher's recent runs (elfdesk-host --watch): time, worst severity, findings",
          {{"runs", ArgType::integer, "how many of the newest runs (default 50)", 1, 500, {}}},
          run_history,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
