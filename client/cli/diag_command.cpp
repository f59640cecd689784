// `elfdesk diag` and `elfdesk probes`: run diagnostic probes on the customer's machine over a session
// (or locally), print a report ranked by urgency, exit with the worst severity.
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "client/cli/commands.hpp"
#include "client/cli/control_socket.hpp"
#include "client/cli/remote_command.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/probes/script.hpp"

namespace elfdesk::client {
namespace {

const char* kDiagUsage = R"(Usage: elfdesk diag CODE [options]                   (through the relay)
       elfdesk diag ADDR:PORT --code CODE [options]     (directly)
       elfdesk diag --session PATH [options]
       elfdesk diag --local [options]

Runs read-only diagnostic probes on the customer's machine and reports findings ranked by urgency.

  --probe NAME[,NAME]    probes to run (default: triage, which runs them all); repeatable
  --arg NAME.KEY=VALUE   an argument for a probe, e.g. --arg network.resolve=example.org; repeatable
  --script FILE          run the probes listed in FILE (one per line: name key=value ...)
                         every probe also takes time_limit_ms=N (its time limit, 1-60000 ms)
  --json                 print JSON instead of the text report
  --local                run on this machine, no session
  --session PATH         run over a live `elfdesk view` session (the control socket it printed)
  --relay ADDR:PORT      the elfdesk-relay for CODE (default: ELFDESK_RELAY, else the config files)
  --relay-ca PEM         trust only this CA for the relay's certificate
  --code CODE            with ADDR:PORT: the customer's one-time code;  --code-file PATH reads it from a file
  --listen ADDR:PORT     reverse mode: wait for the host to dial in
  --name NAME            your name as the customer sees it (default user@host)
  --help                 this text

Exit codes: the worst severity found: 0 ok, 1 warning, 2 critical, 3 unknown (a probe failed or timed
out). 3 also when a probe name or argument was rejected (the others still run) or the command line is
wrong; 2 for a malformed code. Session errors: 10 network error (also: relay unreachable or gone), 11 authentication failed or refused
(also: no support session with this code), 12 declined, 13 protocol
error, 14 host busy.
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

// Reports in call order, and the calls the host (or local runner) rejected as invalid.
struct Outcome {
  std::vector<probes::ProbeReport> reports;
  nlohmann::json rejected = nlohmann::json::array();

  void add_rejected(const std::string& name, const std::string& why) {
    std::fprintf(stderr, "elfdesk diag: probe %s rejected: %s\n", name.c_str(), why.c_str());
    rejected.push_back({{"probe", name}, {"error", why}});
    reports.push_back(probes::failed_report(name, why, 0));
  }
  void add_report(const std::string& name, const nlohmann::json& doc) {
    auto report = probes::report_from_json(doc);
    reports.push_back(report ? std::move(*report) : probes::failed_report(name, "unexpected result: " + report.error().detail, 0));
  }
};

// Worst severity (by urgency); a rejected call makes the run unknown (3): it was not what was asked.
int print_reports(const Outcome& outcome, bool json) {
  const auto worst = probes::worst_of(outcome.reports);
  const int code = outcome.rejected.empty() ? probes::exit_code(worst) : probes::exit_code(probes::Severity::unknown);
  if (json) {
    nlohmann::json out = {{"reports", outcome.reports}, {"worst", probes::to_string(worst)}, {"exit_code", code},
                          {"rejected", outcome.rejected}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", probes::format_report_text(outcome.reports).c_str());
    if (!outcome.rejected.empty()) std::printf("\n%zu probe call(s) rejected (see above); exit 3\n", outcome.rejected.size());
  }
  std::fflush(stdout);
  return code;
}

Outcome run_local(const std::vector<probes::ProbeInvocation>& calls) {
  const probes::ProbeRunner runner;
  Outcome out;
  for (const auto& call : calls) {
    auto report = runner.run(call);
    if (report) {
      out.reports.push_back(std::move(*report));
    } else {
      out.add_rejected(call.name, report.error().detail);
    }
  }
  return out;
}

// Every call against the local probe registry and its argument schemas, as `--local` would run it.
std::expected<void, Error> check_calls_locally(const std::vector<probes::ProbeInvocation>& calls) {
  const probes::ProbeRunner runner;
  for (const auto& call : calls) {
    if (auto ok = runner.validate(call); !ok)
      return std::unexpected(make_error(ErrorCode::invalid_argument, "probe " + call.name + ": " + ok.error().detail +
                                                                         " (nothing was sent to the host)"));
  }
  return {};
}

int run_session(const std::string& path, const std::vector<probes::ProbeInvocation>& calls, bool json) {
  auto answers = run_over_control_socket(path, calls);
  if (!answers) {
    std::fprintf(stderr, "elfdesk diag: %s\n", answers.error().message.c_str());
    return answers.error().exit_code;
  }
  Outcome out;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& a = (*answers)[i];
    if (a.ok) {
      out.add_report(calls[i].name, a.report);
    } else {
      out.add_rejected(calls[i].name, a.error);
    }
  }
  return print_reports(out, json);
}

void add_answer(Outcome& out, const std::string& name, const std::expected<probes::ReceivedReport, Error>& answer) {
  if (answer) return out.reports.push_back(answer->report);
  if (probes::is_rejection(answer.error())) return out.add_rejected(name, answer.error().detail);
  out.reports.push_back(probes::failed_report(name, answer.error().detail, 0));
}

asio::awaitable<int> run_remote_probes(SessionCore& core, std::vector<probes::ProbeInvocation> calls, bool json) {
  using Answer = std::expected<probes::ReceivedReport, Error>;
  // In call order, whatever order the host answers in. Shared: calls still pending when this returns early
  // are answered later, when the session closes.
  auto answers = std::make_shared<std::vector<std::optional<Answer>>>(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i)
    core.probes().call(calls[i], [answers, i](Answer a) { (*answers)[i] = std::move(a); });
  while (core.probes().pending() > 0) {
    auto event = co_await core.next(std::chrono::seconds(120));
    if (!event) co_return report_session_error(event.error());
    if (event->goodbye) {
      std::fprintf(stderr, "elfdesk: session ended: %s\n", describe_goodbye(*event->goodbye).c_str());
      co_return 10;
    }
  }
  Outcome out;
  for (std::size_t i = 0; i < calls.size(); ++i) add_answer(out, calls[i].name, *(*answers)[i]);
  co_return print_reports(out, json);
}

}  // namespace

int run_diag_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "relay", "relay-ca", "probe", "arg", "script", "session"},
                         {"help", "json", "local", "quiet"});
  if (args && args->has("help")) {
    std::fputs(kDiagUsage, stdout);
    return 0;
  }
  // Usage errors are unknown (3), as for a monitoring plugin: nothing was checked.
  auto usage_error = [](const std::string& detail) {
    std::fprintf(stderr, "elfdesk diag: %s\nTry 'elfdesk diag --help'.\n", detail.c_str());
    return 3;
  };
  auto calls = args ? collect_calls(*args) : std::expected<std::vector<probes::ProbeInvocation>, Error>(
                                                  std::unexpected(args.error()));
  if (!calls) return usage_error(calls.error().detail);
  const bool json = args->has("json");
  const bool remote_given = !args->positional.empty() || args->has("listen") || args->has("code") || args->has("code-file");
  if (static_cast<int>(args->has("local")) + static_cast<int>(args->has("session")) + static_cast<int>(remote_given) > 1)
    return usage_error("choose one of ADDR:PORT (or --listen), --session PATH and --local");
  if (args->has("local")) return print_reports(run_local(*calls), json);
  if (args->has("session")) return run_session(args->get("session"), *calls, json);
  auto target = parse_remote_target(*args, protocol::permission::kProbes);
  if (!target) {
    const int usage = usage_error(target.error().detail);
    return target.error().code == ErrorCode::malformed ? kMalformedCodeExit : usage;
  }
  // Before a code is spent and the customer asked: the host checks against the same registry.
  if (auto ok = check_calls_locally(*calls); !ok) return usage_error(ok.error().detail);
  target->quiet = args->has("quiet");
  return run_remote(std::move(*target), [calls = std::move(*calls), json](SessionCore& core) {
    return run_remote_probes(core, calls, json);
  });
}

int run_probes_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {}, {"help", "json"});
  if (!args) {  // a usage error: the reason on stderr, as for the other commands
    std::fprintf(stderr, "elfdesk probes: %s\nTry 'elfdesk probes --help'.\n", args.error().detail.c_str());
    return 2;
  }
  if (args->has("help")) {
    std::fputs("Usage: elfdesk probes [--json]\nLists the diagnostic probes, one line each.\n", stdout);
    return 0;
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
