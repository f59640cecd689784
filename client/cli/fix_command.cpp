// `elfdesk fix` and `elfdesk remedies`: run one remedy of the fixed catalogue on the customer's machine
// (asked of the customer in their window), and list that catalogue. Thin commands on SessionCore.
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "client/cli/commands.hpp"
#include "client/cli/remote_command.hpp"
#include "common/remedies/remedy_wire.hpp"

namespace elfdesk::client {
namespace {

const char* kFixUsage = R"usage(Usage: elfdesk fix (CODE | ADDR:PORT --code CODE) --remedy NAME [--arg KEY=VALUE ...] [options]

Runs one remedy on the customer's machine. The customer is asked in their window, in plain words with the
exact target ("Alice wants to delete 1.2 GB in your Trash (412 files)"), and may deny. After it ran, the
related probe runs again and the report shows before -> after ("/home: 97% -> 61%").

  --remedy NAME          the remedy to run (`elfdesk remedies` lists them with their arguments)
  --arg KEY=VALUE        an argument of the remedy, e.g. --arg pid=4242; repeatable
  --dry-run              say what would happen and change nothing (the customer still lets you in)
  --json                 print the report as JSON
  --code CODE            the customer's one-time code;  --code-file PATH reads it from a file
  --listen ADDR:PORT     reverse mode: wait for the host to dial in
  --relay ADDR:PORT      through this elfdesk-relay when a CODE is given (default: ELFDESK_RELAY, else
                         `relay` in the config files); --relay-ca PEM trusts only that CA for it
  --name NAME            your name as the customer sees it (default user@host)
  --help                 this text

Exit codes: 0 done (or dry run), 12 declined (by the customer, now or when asked to let you in),
3 unknown remedy or bad argument (checked before anything is dialled, so no code is spent),
4 failed, not available on that computer, or needs an administrator; 2 wrong command line or malformed
code; 10 network error, 11 authentication failed, 13 protocol error, 14 host busy.
)usage";

constexpr int kUsageExit = 2;
constexpr int kBadRemedyExit = 3;

std::expected<remedies::RemedyCall, Error> collect_call(const ParsedArgs& args) {
  remedies::RemedyCall call{args.get("remedy"), {}, args.has("dry-run")};
  for (const auto& text : args.all("arg")) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      return std::unexpected(make_error(ErrorCode::invalid_argument, "--arg expects KEY=VALUE, got '" + text + "'"));
    call.args.items.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return call;
}

int print_outcome(const std::expected<remedies::ReceivedRemedy, Error>& answer, bool json) {
  if (!answer) {
    const bool rejected = answer.error().code == ErrorCode::invalid_argument;
    const int code = rejected ? kBadRemedyExit : answer.error().code == ErrorCode::closed ? 10 : 13;
    std::fprintf(stderr, "elfdesk fix: %s%s\n", rejected ? "rejected by the host: " : "", answer.error().detail.c_str());
    if (json) {
      const nlohmann::json out{{"outcome", rejected ? "rejected" : "error"}, {"error", answer.error().detail},
                               {"exit_code", code}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    return code;
  }
  const int code = remedies::exit_code_for(answer->outcome);
  if (json) {
    nlohmann::json out = answer->document;
    out["exit_code"] = code;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", remedies::format_remedy_text(answer->document).c_str());
  }
  std::fflush(stdout);
  return code;
}

asio::awaitable<int> run_remote_fix(SessionCore& core, remedies::RemedyCall call, bool json, bool quiet) {
  if ((core.session().granted & protocol::permission::kRemedies) == 0) {
    std::fprintf(stderr, "elfdesk fix: the customer's host did not grant remedies in this session\n");
    co_return 12;
  }
  auto answer = std::make_shared<std::optional<std::expected<remedies::ReceivedRemedy, Error>>>();
  core.remedies().call(call, [answer](auto a) { *answer = std::move(a); });
  // The host asks the customer only when the remedy would change something; they have a minute to answer.
  if (!quiet && !call.dry_run)
    std::fputs("elfdesk: running the remedy; the customer is asked to allow any change...\n", stderr);
  while (!*answer) {
    // The customer may take a minute to answer, and an administrator's action up to two more.
    auto event = co_await core.next(std::chrono::seconds(300));
    if (!event) co_return report_session_error(event.error());
    if (event->goodbye) {
      std::fprintf(stderr, "elfdesk: session ended: %s\n", describe_goodbye(*event->goodbye).c_str());
      co_return 10;
    }
  }
  co_return print_outcome(**answer, json);
}

}  // namespace

int run_fix_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "relay", "relay-ca", "remedy", "arg"},
                         {"help", "json", "dry-run", "quiet"});
  if (args && args->has("help")) {
    std::fputs(kFixUsage, stdout);
    return 0;
  }
  auto usage_error = [](const std::string& detail, int code) {
    std::fprintf(stderr, "elfdesk fix: %s\nTry 'elfdesk fix --help'.\n", detail.c_str());
    return code;
  };
  if (!args) return usage_error(args.error().detail, kUsageExit);
  if (!args->has("remedy")) return usage_error("missing --remedy NAME (see `elfdesk remedies`)", kBadRemedyExit);
  auto call = collect_call(*args);
  if (!call) return usage_error(call.error().detail, kBadRemedyExit);
  // Before a code is spent and the customer is asked: the host checks against the same catalogue.
  if (auto ok = remedies::builtin_catalogue().validate(call->name, call->args); !ok)
    return usage_error(ok.error().detail + " (nothing was sent to the host)", kBadRemedyExit);
  auto target = parse_remote_target(*args, protocol::permission::kRemedies);
  if (!target) return usage_error(target.error().detail, target.error().code == ErrorCode::malformed ? kMalformedCodeExit
                                                                                                   : kUsageExit);
  target->quiet = args->has("quiet");
  const bool quiet = target->quiet;
  return run_remote(std::move(*target), [call = std::move(*call), json = args->has("json"), quiet](SessionCore& core) {
    return run_remote_fix(core, call, json, quiet);
  });
}

int run_remedies_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {}, {"help", "json"});
  if (!args) {
    std::fprintf(stderr, "elfdesk remedies: %s\nTry 'elfdesk remedies --help'.\n", args.error().detail.c_str());
    return kUsageExit;
  }
  if (args->has("help")) {
    std::fputs("Usage: elfdesk remedies [--json]\nLists the remedies `elfdesk fix` can run, with their arguments.\n",
               stdout);
    return 0;
  }
  const auto& catalogue = remedies::builtin_catalogue();
  if (args->has("json")) {
    std::printf("%s\n", catalogue.describe().dump(2).c_str());
    return 0;
  }
  for (const auto& r : catalogue.remedies()) {
    std::printf("%-20s %s\n", r.name.c_str(), r.description.c_str());
    for (const auto& a : r.args) {
      const std::string range = a.type == probes::ArgType::integer
                                    ? " [" + std::to_string(a.min) + ".." + std::to_string(a.max) + "]"
                                    : std::string();
      std::printf("%-20s   --arg %s=%s%s  %s\n", "", a.key.c_str(), std::string(probes::to_string(a.type)).c_str(),
                  range.c_str(), a.help.c_str());
    }
  }
  return 0;
}

}  // namespace elfdesk::client
