// run_watch_main(): the command-line face of the Watcher, shared by elfdesk-host and elfdesk. Main thread.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/watch/watcher.hpp"

namespace elfdesk::watch {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

// elfdesk-host beside the running program (both are installed in one bin dir), else from PATH, with its
// window, as the desktop launcher starts it (host/share/elfdesk-host.desktop).
std::vector<std::string> default_help_command() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const auto& candidate : {self.parent_path() / "elfdesk-host", self.parent_path() / "../host/elfdesk-host"})
      if (std::filesystem::exists(candidate, ec))
        return {std::filesystem::weakly_canonical(candidate, ec).string(), "--ui", "window"};
  }
  return {"elfdesk-host", "--ui", "window"};
}

}  // namespace

int run_watch_main(const std::vector<std::string>& args, const std::string& program,
                   const std::vector<std::string>& extra_flags) {
  auto cmd = parse_watch_command(args, extra_flags);
  if (!cmd) {
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", program.c_str(), cmd.error().detail.c_str(), program.c_str());
    return 2;
  }
  if (cmd->show_help) {
    std::printf(
        "Usage: %s [options]\n\nRuns the diagnostic checks on a schedule, keeps their history, and shows a "
        "desktop notification\nwhen something needs attention, with a \"Get help\" button that starts "
        "elfdesk-host.\n\n%s",
        program.c_str(), watch_options_usage().c_str());
    return 0;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;  // no SA_RESTART: the wait on the bus returns at once
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  Watcher watcher(std::move(cmd->settings), default_help_command());
  return watcher.run(g_stop);
}

}  // namespace elfdesk::watch
