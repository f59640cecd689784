// elfdesk: the support engineer's command. Dispatches to a subcommand; each returns its exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "client/cli/commands.hpp"
#include "common/log.hpp"
#include "common/sigpipe.hpp"

namespace {

const char* kUsage = R"(elfdesk: secure remote support for a customer running elfdesk-host.

Usage: elfdesk COMMAND [options]

Commands:
  view CODE                         see and control the customer's screen in a window
  diag CODE                         run diagnostic probes on the customer's machine (JSON with --json)
  diag --local                      run the same probes on this machine
  screenshot CODE --out FILE.png    save the customer's screen once
  probes                            list the diagnostic probes
  fix CODE --remedy NAME [--arg K=V]   run one remedy, asked of the customer
  remedies                          list the remedies (what `fix` can do)
  files push CODE LOCAL_FILE        send a file to the customer (they approve it)
  files pull CODE REMOTE --out FILE  fetch one of the customer's files (they approve it)
  bundle CODE --out FILE.tar.zst    download a support bundle (they approve it)
  chat --session PATH "TEXT"        chat with the customer through a running `view`
  watch --local                     check this machine on a schedule, notify when something needs attention
  history CODE                      the customer's recent watcher findings (from `elfdesk-host --watch`)

The customer reads you the one-time code that elfdesk-host shows (e.g. 123-456-789-012); it is found
through the relay (--relay ADDR:PORT, ELFDESK_RELAY, or `relay = "host:port"` in
~/.config/elfdesk/elfdesk.conf or /etc/elfdesk/elfdesk.conf). Without a relay: `elfdesk view ADDR:PORT
--code CODE`. `elfdesk COMMAND --help` for details.
Exit codes: 0 ok, 2 bad usage, 10 network error (also: relay unreachable or gone), 11 authentication failed
(also: "no support session with this code: expired, already used, or mistyped?"), 12 declined by the
customer, 13 protocol error, 14 host busy; `diag` returns 0-3 for the worst finding (ok, warning, critical,
unknown); `files` and `bundle` return 4 when the transfer failed; `fix` returns 3 for an unknown remedy or
bad argument (nothing dialled) and 4 when the remedy failed.
)";

}  // namespace

int main(int argc, char** argv) {
  elfdesk::ignore_sigpipe_here_only();
  std::vector<std::string> args(argv + 1, argv + argc);
  elfdesk::log::set_level_from_env(elfdesk::log::Level::warn);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "diag") return elfdesk::client::run_diag_command(args);
  if (command == "probes") return elfdesk::client::run_probes_command(args);
  if (command == "screenshot") return elfdesk::client::run_screenshot_command(args);
  if (command == "view") return elfdesk::client::run_view_command(args);
  if (command == "fix") return elfdesk::client::run_fix_command(args);
  if (command == "remedies") return elfdesk::client::run_remedies_command(args);
  if (command == "files") return elfdesk::client::run_files_command(args);
  if (command == "bundle") return elfdesk::client::run_bundle_command(args);
  if (command == "chat") return elfdesk::client::run_chat_command(args);
  if (command == "watch") return elfdesk::client::run_watch_command(args);
  if (command == "history") return elfdesk::client::run_history_command(args);
  if (command == "--version") {
    std::puts("elfdesk " ELFDESK_VERSION);
    return 0;
  }
  std::fprintf(stderr, "elfdesk: unknown command '%s'\nTry 'elfdesk --help'.\n", command.c_str());
  return 2;
}
