// The resident watcher behind `elfdesk-host --watch` and `elfdesk watch --local`: runs triage every
// interval, adds the trends over its history, keeps the history bounded, tells the customer about new
// problems by desktop notification and starts elfdesk-host when they click "Get help". One thread (the
// caller's): runs, then waits on the session bus for clicks until the next run. A resident process rather
// than a systemd timer: a notification's action is only delivered to the connection that showed it.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/probes/probe_runner.hpp"
#include "common/probes/run_history.hpp"
#include "common/watch/desktop_notifier.hpp"
#include "common/watch/notify_policy.hpp"
#include "common/watch/run_report.hpp"
#include "common/watch/watch_settings.hpp"

namespace elfdesk::watch {

class Watcher {
 public:
  // `help_default`: what "Get help" starts when the settings name nothing (elfdesk-host beside us).
  Watcher(WatchSettings settings, std::vector<std::string> help_default);

  // Runs until `stop` is set (or once with settings.once). Returns the process exit code: 0, or the worst
  // severity of the one run with --once.
  int run(const std::atomic<bool>& stop);
  // One run: triage, trends, history, notifications, report. Returns its record.
  RunRecord run_once();

 private:
  void notify(const RunRecord& record);
  void start_help(std::uint32_t id);

  WatchSettings settings_;
  std::vector<std::string> help_command_;
  std::filesystem::path state_dir_;
  probes::RunHistory history_;
  probes::ProbeRunner runner_;
  std::unique_ptr<DesktopNotifier> notifier_;
};

// The whole command: parses `args` (watch_settings.hpp), runs a Watcher until SIGTERM/SIGINT. `program`
// names the command in messages and usage ("elfdesk-host --watch").
int run_watch_main(const std::vector<std::string>& args, const std::string& program,
                   const std::vector<std::string>& extra_flags = {});

}  // namespace elfdesk::watch
