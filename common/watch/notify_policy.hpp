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
};

class NotifyPolicy {
 public:
  // The findings to tell the customer about now, most urgent first; remembers them as told. A finding that
  // is ok again (or gone) is forgotten, so its return is told again.
  std::vector<probes::Finding> decide(const std::vector<probes::Finding>& findings, const NotifyRules& rules,
                                      WallTime now, int local_minute_of_day);

  // The notification for `finding` could not be shown: tell it again next time.
  void forget(const probes::Finding& finding) { told_.erase(finding_key(finding)); }

  nlohmann::json to_json() const;
  static NotifyPolicy from_json(const nlohmann::json& in);  // tolerant: bad entries are dropped

 private:
  std::map<std::string, probes::Severity> told_;  // key -> severity last told
};

}  // namespace elfdesk::watch
