// `elfdesk diag` and `elfdesk probes`: run diagnostic probes on the customer's machine over a session
// (or locally), print a report ranked by urgency, exit with the worst severity.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "client/cli/commands.hpp"
#include "client/cli/remote_command.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/probes/script.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

const char* kDiagUsage = R"(Usage: elfdesk diag ADDR:PORT --code CODE [options]
       elfdesk diag --local [options]

Runs read-only diagnostic probes on the customer's machine and reports findings ranked by urgency.

  --probe NAME[,NAME]    probes to run (default: triage, which runs them all); repeatable
  --arg NAME.KEY=VALUE   an argument for a probe, e.g. --arg network.resolve=example.org; repeatable
  --script FILE          run the probes listed in FILE (one per line: name key=value ...)
  --json                 print JSON instead of the text report
  --local                run on this machine, no session
  --code CODE            the customer's one-time code;  --code-file PATH reads it from a file
  --listen ADDR:PORT     reverse mode: wait for the host to dial in
  --name NAME            your name as the customer sees it (default user@host)
  --help                 this text

Exit codes: 0 ok, 1 warning, 2 critical, 3 unknown (a probe failed, timed out, or was invalid);
10 network error, 11 authentication failed, 12 declined, 13 protocol error, 14 host busy, 2 bad usage.
Run `elfdesk probes` for the list of probes.
)";

std::expected<std::vector<probes::ProbeInvocation>, Error> collect_calls(const ParsedArgs& args) {
  std::vector<probes::ProbeInvocation> calls;
  if (args.has("script")) {
    auto loaded = probes::load_probe_script(args.get("script"));
    if (!loaded) return std::unexpected(loaded.error());
    calls = std::move(*loaded);
  }
  for (const auto& list : args.all("probe")) {
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto comma = list.find(',', start);
      const auto name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!name.empty()) calls.push_back(probes::ProbeInvocation{name, {}, std::nullopt, 0});
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::vector<probes::ArgOverride> overrides;
  for (const auto& text : args.all("arg")) {
    auto parsed = probes::parse_arg_override(text);
    if (!parsed) return std::unexpected(parsed.error());
    overrides.push_back(*parsed);
  }
  probes::apply_arg_overrides(calls, overrides);
  if (calls.empty()) calls.push_back(probes::ProbeInvocation{"triage", {}, std::nullopt, 0});
  return calls;
}

int print_reports(const std::vector<probes::ProbeReport>& reports, bool json) {
  const auto worst = probes::worst_of(reports);
  if (json) {
    nlohmann::json out = {{"reports", reports}, {"worst", probes::to_string(worst)},
                          {"exit_code", probes::exit_code(worst)}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", probes::format_report_text(reports).c_str());
  }
  std::fflush(stdout);
  return probes::exit_code(worst);
}

std::vector<probes::ProbeReport> run_local(const std::vector<probes::ProbeInvocation>& calls) {
  const probes::ProbeRunner runner;
  std::vector<probes::ProbeReport> reports;
  for (const auto& call : calls) {
    auto report = runner.run(call);
    reports.push_back(report ? std::move(*report) : probes::failed_report(call.name, report.error().detail, 0));
  }
  return reports;
}

probes::ProbeReport to_report(const protocol::ProbeResult& result, const std::string& name) {
  if (result.status != protocol::ProbeStatus::ok) return probes::failed_report(name, result.error, 0);
  auto text = zstd_decompress_text(result.json_zstd, limits::kMaxProbeResultBytes);
  if (!text) return probes::failed_report(name, "unreadable result: " + text.error().detail, 0);
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) return probes::failed_report(name, "result is not valid JSON", 0);
  auto report = probes::report_from_json(json);
  return report ? std::move(*report) : probes::failed_report(name, "unexpected result: " + report.error().detail, 0);
}

asio::awaitable<int> run_remote_probes(EngineerSession& session, std::vector<probes::ProbeInvocation> calls,
                                       bool json) {
  auto& conn = *session.connection;
  std::map<std::uint32_t, std::size_t> pending;  // request id -> index in calls
  for (std::size_t i = 0; i < calls.size(); ++i) {
    protocol::ProbeRequest request{static_cast<std::uint32_t>(i + 1), calls[i].name, {}};
    for (auto& [k, v] : calls[i].args.items) request.args.push_back({k, v});
    conn.send(request);
    pending[request.request_id] = i;
  }
  std::vector<probes::ProbeReport> reports(calls.size());
  while (!pending.empty()) {
    auto message = co_await conn.receive(std::chrono::seconds(120));
    if (!message) {
      std::fprintf(stderr, "elfdesk: %s\n", message.error().detail.c_str());
      co_return exit_code_for(message.error());
    }
    if (auto* goodbye = std::get_if<protocol::Goodbye>(&*message)) {
      std::fprintf(stderr, "elfdesk: session ended: %s\n", goodbye->message.c_str());
      co_return 10;
    }
    auto* result = std::get_if<protocol::ProbeResult>(&*message);
    if (!result || !pending.contains(result->request_id)) continue;
    const std::size_t index = pending[result->request_id];
    pending.erase(result->request_id);
    reports[index] = to_report(*result, calls[index].name);
    if (result->status != protocol::ProbeStatus::ok)
      std::fprintf(stderr, "elfdesk: probe %s: %s\n", calls[index].name.c_str(), result->error.c_str());
  }
  co_return print_reports(reports, json);
}

}  // namespace

int run_diag_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "probe", "arg", "script"},
                         {"help", "json", "local", "quiet"});
  if (args && args->has("help")) {
    std::fputs(kDiagUsage, stdout);
    return 0;
  }
  auto calls = args ? collect_calls(*args) : std::expected<std::vector<probes::ProbeInvocation>, Error>(
                                                  std::unexpected(args.error()));
  if (!calls) {
    std::fprintf(stderr, "elfdesk diag: %s\nTry 'elfdesk diag --help'.\n", calls.error().detail.c_str());
    return 2;
  }
  const bool json = args->has("json");
  if (args->has("local")) return print_reports(run_local(*calls), json);
  auto target = parse_remote_target(*args, protocol::permission::kProbes);
  if (!target) {
    std::fprintf(stderr, "elfdesk diag: %s\nTry 'elfdesk diag --help'.\n", target.error().detail.c_str());
    return 2;
  }
  target->quiet = args->has("quiet");
  return run_remote(std::move(*target), [calls = std::move(*calls), json](EngineerSession& s) {
    return run_remote_probes(s, calls, json);
  });
}

int run_probes_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {}, {"help", "json"});
  if (!args || args->has("help")) {
    std::fputs("Usage: elfdesk probes [--json]\nLists the diagnostic probes, one line each.\n", stdout);
    return args ? 0 : 2;
  }
  const auto registry = probes::builtin_registry();
  if (args->has("json")) {
    std::printf("%s\n", registry.describe().dump(2).c_str());
    return 0;
  }
  for (const auto& info : registry.probes()) std::printf("%-10s %s\n", info.name.c_str(), info.description.c_str());
  return 0;
}

}  // namespace elfdesk::client
