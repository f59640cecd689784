// When the customer hears about a finding: once when it turns warning or critical, again only when its
// severity changes, never while it is snoozed (per finding, until a time) or during quiet hours (held back,
// so it is told after them). Pure rules with the time passed in; the state is a value the watcher keeps
// in its state directory between runs. Watcher thread only.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/probes/finding.hpp"
#include "protocol/error.hpp"

namespace elfdesk::watch {

using WallTime = std::chrono::sys_seconds;

// Local time of day, minutes from midnight; the range may wrap midnight ("22:00-07:00").
struct QuietHours {
  int start_minute = 0;
  int end_minute = 0;
  bool contains(int minute_of_day) const;
  friend bool operator==(const QuietHours&, const QuietHours&) = default;
};
std::expected<QuietHours, Error> parse_quiet_hours(std::string_view text);  // "HH:MM-HH:MM"

// "probe/check", e.g. "disk/space:/home": the key of snoozes in the config file and of the state.
std::string finding_key(const probes::Finding& finding);

struct NotifyRules {
  std::optional<QuietHours> quiet;
  std::map<std::string, WallTime> snooze_until;  // by finding_key
  // A told finding is forgotten (its return told again) only after this many runs without it: a sampled
  // value that flickers around its threshold (CPU busy in a 200 ms window) is told once, not every hour.
  int forget_after_runs = 4;
};

class NotifyPolicy {
 public:
  // The findings to tell the customer about now, most urgent first; remembers them as told. A finding that
  // has been ok (or gone) for rules.forget_after_runs runs is forgotten, so its return is told again.
  std::vector<probes::Finding> decide(const std::vector<probes::Finding>& findings, const NotifyRules& rules,
                                      WallTime now, int local_minute_of_day);

  // The notification for `finding` could not be shown: tell it again next time.
  void forget(const probes::Finding& finding) { told_.erase(finding_key(finding)); }

  nlohmann::json to_json() const;
  static NotifyPolicy from_json(const nlohmann::json& in);  // tolerant: bad entries are dropped

 private:
  struct Told {
    probes::Severity severity = probes::Severity::warning;
    int runs_without = 0;  // consecutive runs it was not warning or critical
  };
  std::map<std::string, Told> told_;  // by finding_key
};

}  // namespace elfdesk::watch
