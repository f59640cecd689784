// `elfdesk watch --local`: the customer's watcher (common/watch/) on the engineer's own machine.
#include <cstdio>

#include "client/cli/commands.hpp"
#include "common/watch/watcher.hpp"

namespace elfdesk::client {

int run_watch_command(const std::vector<std::string>& args) {
  bool local = false, help = false;
  for (const auto& a : args) local = local || a == "--local", help = help || a == "--help";
  if (!local && !help) {
    std::fputs(
        "elfdesk watch: only --local is supported (a customer runs `elfdesk-host --watch`; see their "
        "findings with `elfdesk history CODE`)\nTry 'elfdesk watch --help'.\n",
        stderr);
    return 2;
  }
  return watch::run_watch_main(args, "elfdesk watch --local", {"local"});
}

}  // namespace elfdesk::client
