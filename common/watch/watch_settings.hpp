// The watcher's settings: the [watch] table of the config files (common/config.hpp, system file then the
// user's, each key on its own), then the command line. Start-up only (main thread).
//   [watch]
//   interval_seconds = 900             # how often triage runs (default 15 min)
//   history_max_bytes = 1048576        # bound of watch-history.jsonl
//   quiet_hours = "22:00-07:00"        # local time: no notifications (told afterwards)
//   skip = "display"                   # triage families not to run
//   fill_warning_hours = 168           # "will be full" within this: warning; fill_critical_hours: critical
//   help_command = ["elfdesk-host"]    # what "Get help" starts (default: elfdesk-host beside this program)
//   report_to = "journal"              # or a file path (JSON lines), for central collection
//   [watch.snooze]
//   "disk/space:/home" = 2026-12-31T00:00:00Z   # no notification for this finding until then
#pragma once
#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "common/watch/notify_policy.hpp"
#include "common/watch/trends.hpp"
#include "protocol/error.hpp"

namespace elfdesk::watch {

struct WatchSettings {
  std::chrono::seconds interval{900};
  std::size_t history_max_bytes = 1u << 20;
  NotifyRules rules;
  std::string skip;
  TrendLimits limits;
  std::vector<std::string> help_command;  // empty: the default
  std::string report_to;                  // "", "journal" or a path
  std::filesystem::path state_dir;        // empty: probes::default_state_dir()
  bool once = false;                      // one run, then exit (a systemd timer, measurements)
  bool notify = true;                     // desktop notifications (off: --no-notify)
};

// Applies the [watch] table of one file over `into`. A missing file changes nothing; a bad value is
// invalid_argument naming the file and line.
std::expected<void, Error> read_watch_settings(const std::filesystem::path& path, WatchSettings& into);
// Every config file (config_file_paths()), in order.
std::expected<WatchSettings, Error> load_watch_settings();

// Parses the options `elfdesk-host --watch` and `elfdesk watch --local` share over the files' settings:
// --interval S, --report-to journal|PATH, --state-dir DIR, --once, --no-notify (and `extra_flags`, which
// the caller checks itself). show_help is set by --help.
struct WatchCommand {
  WatchSettings settings;
  bool show_help = false;
};
std::expected<WatchCommand, Error> parse_watch_command(const std::vector<std::string>& args,
                                                       const std::vector<std::string>& extra_flags);
// The option lines of the usage text.
std::string watch_options_usage();

}  // namespace elfdesk::watch
