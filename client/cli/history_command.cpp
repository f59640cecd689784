// `elfdesk history`: the customer's recent watcher runs (the read-only `history` probe, asked of the
// customer like any probe), printed newest last, or as JSON.
#include <cstdio>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "client/cli/commands.hpp"
#include "client/cli/remote_command.hpp"
#include "common/probes/probe_runner.hpp"

namespace elfdesk::client {
namespace {

const char* kHistoryUsage = R"(Usage: elfdesk history CODE [options]                 (through the relay)
       elfdesk history ADDR:PORT --code CODE [options]   (directly)

Shows what the customer's watcher (elfdesk-host --watch) found in its recent runs, so you see what
happened before the call. The customer is asked, as for any probe.

  --runs N               how many of the newest runs (default 20, at most 500)
  --json                 print the probe's JSON report
  --relay, --relay-ca, --code, --code-file, --listen, --name   as for `elfdesk diag`
Exit codes: 0 ok, 3 the history could not be read; session errors as for `elfdesk diag`.
)";

void print_runs(const probes::ProbeReport& report) {
  const auto& runs = report.data.value("runs", nlohmann::json::array());
  if (runs.empty()) {
    std::printf("No watcher runs recorded on the customer's machine (is elfdesk-host --watch running?)\n");
    return;
  }
  for (const auto& run : runs) {
    const auto cost = run.value("cost", nlohmann::json::object());
    std::printf("%s  %-8s  %zu finding(s)", run.value("time", std::string("?")).c_str(),
                run.value("worst", std::string("?")).c_str(), run.value("findings", nlohmann::json::array()).size());
    if (cost.is_object() && cost.contains("cpu_ms")) std::printf("  (%.0f ms CPU)", cost.value("cpu_ms", 0.0));
    std::printf("\n");
    for (const auto& f : run.value("findings", nlohmann::json::array()))
      std::printf("    %-8s %s %s: %s\n", f.value("severity", std::string()).c_str(),
                  f.value("probe", std::string()).c_str(), f.value("check", std::string()).c_str(),
                  f.value("reason", std::string()).c_str());
  }
}

int print(const probes::ProbeReport& report, bool json) {
  if (json) {
    std::printf("%s\n", nlohmann::json(report).dump(2).c_str());
  } else if (report.worst == probes::Severity::unknown && !report.findings.empty()) {
    std::fprintf(stderr, "elfdesk history: %s\n", report.findings.front().reason.c_str());
  } else {
    print_runs(report);
  }
  std::fflush(stdout);
  return report.worst == probes::Severity::unknown ? 3 : 0;
}

asio::awaitable<int> fetch_history(SessionCore& core, probes::ProbeInvocation call, bool json) {
  auto answer = std::make_shared<std::optional<std::expected<probes::ReceivedReport, Error>>>();
  core.probes().call(call, [answer](auto a) { *answer = std::move(a); });
  while (core.probes().pending() > 0) {
    auto event = co_await core.next(std::chrono::seconds(120));
    if (!event) co_return report_session_error(event.error());
    if (event->goodbye) {
      std::fprintf(stderr, "elfdesk: session ended: %s\n", describe_goodbye(*event->goodbye).c_str());
      co_return 10;
    }
  }
  if (!*answer || !**answer) {
    std::fprintf(stderr, "elfdesk history: %s\n", *answer ? (**answer).error().detail.c_str() : "no answer");
    co_return 3;
  }
  co_return print((**answer)->report, json);
}

}  // namespace

int run_history_command(const std::vector<std::string>& words) {
  std::set<std::string> values = kRemoteOptions;
  values.insert("runs");
  auto args = parse_args(words, values, {"help", "json", "quiet"});
  if (args && args->has("help")) {
    std::fputs(kHistoryUsage, stdout);
    return 0;
  }
  auto usage_error = [](const std::string& detail) {
    std::fprintf(stderr, "elfdesk history: %s\nTry 'elfdesk history --help'.\n", detail.c_str());
    return 2;
  };
  if (!args) return usage_error(args.error().detail);
  probes::ProbeInvocation call{"history", {}, std::nullopt, 0};
  if (args->has("runs")) {
    auto n = parse_number(args->get("runs"), 1, 500, "--runs");
    if (!n) return usage_error(n.error().detail);
    call.args.set("runs", std::to_string(*n));
  } else {
    call.args.set("runs", "20");
  }
  auto target = parse_remote_target(*args, protocol::permission::kProbes);
  if (!target)
    return target.error().code == ErrorCode::malformed ? kMalformedCodeExit : usage_error(target.error().detail);
  target->quiet = args->has("quiet");
  return run_remote(std::move(*target),
                    [call, json = args->has("json")](SessionCore& core) { return fetch_history(core, call, json); });
}

}  // namespace elfdesk::client
