#include "common/watch/notify_policy.hpp"

#include <charconv>

namespace elfdesk::watch {
namespace {

std::optional<int> parse_clock(std::string_view text) {  // "HH:MM"
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  int h = -1, m = -1;
  if (std::from_chars(text.data(), text.data() + 2, h).ec != std::errc() ||
      std::from_chars(text.data() + 3, text.data() + 5, m).ec != std::errc())
    return std::nullopt;
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  return h * 60 + m;
}

bool notable(probes::Severity s) { return s == probes::Severity::warning || s == probes::Severity::critical; }

}  // namespace

bool QuietHours::contains(int minute) const {
  if (start_minute == end_minute) return false;
  if (start_minute < end_minute) return minute >= start_minute && minute < end_minute;
  return minute >= start_minute || minute < end_minute;  // wraps midnight
}

std::expected<QuietHours, Error> parse_quiet_hours(std::string_view text) {
  const auto dash = text.find('-');
  auto start = parse_clock(text.substr(0, dash));
  auto end = dash == std::string_view::npos ? std::nullopt : parse_clock(text.substr(dash + 1));
  if (!start || !end)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "quiet_hours must be \"HH:MM-HH:MM\" (local time), e.g. \"22:00-07:00\""));
  return QuietHours{*start, *end};
}

std::string finding_key(const probes::Finding& f) { return f.probe + "/" + f.check; }

std::vector<probes::Finding> NotifyPolicy::decide(const std::vector<probes::Finding>& findings,
                                                  const NotifyRules& rules, WallTime now, int local_minute) {
  std::map<std::string, Told> still;
  std::vector<probes::Finding> tell;
  const bool quiet = rules.quiet && rules.quiet->contains(local_minute);
  for (const auto& f : findings) {
    if (!notable(f.severity)) continue;
    const auto key = finding_key(f);
    const auto told = told_.find(key);
    if (told != told_.end() && told->second.severity == f.severity) {
      still[key] = {f.severity, 0};  // unchanged: already told
      continue;
    }
    const auto snooze = rules.snooze_until.find(key);
    const bool snoozed = snooze != rules.snooze_until.end() && now < snooze->second;
    if (quiet || snoozed) {
      // Held back: remember what was told before (if anything), so the change is told when allowed.
      if (told != told_.end()) still[key] = {told->second.severity, 0};
      continue;
    }
    still[key] = {f.severity, 0};
    tell.push_back(f);
  }
  for (const auto& [key, told] : told_)  // not seen this run: kept a while in case it flickers back
    if (!still.contains(key) && told.runs_without + 1 < rules.forget_after_runs)
      still[key] = {told.severity, told.runs_without + 1};
  told_ = std::move(still);
  probes::rank_by_urgency(tell);
  return tell;
}

nlohmann::json NotifyPolicy::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, told] : told_)
    out[key] = {{"severity", probes::to_string(told.severity)}, {"runs_without", told.runs_without}};
  return {{"told", out}};
}

NotifyPolicy NotifyPolicy::from_json(const nlohmann::json& in) {
  NotifyPolicy policy;
  if (!in.is_object() || !in.contains("told") || !in["told"].is_object()) return policy;
  for (const auto& [key, value] : in["told"].items()) {
    if (!value.is_object() || !value.contains("severity") || !value["severity"].is_string()) continue;
    auto s = probes::severity_from_string(value["severity"].get<std::string>());
    const auto& runs = value.value("runs_without", nlohmann::json(0));
    if (s && notable(*s)) policy.told_[key] = {*s, runs.is_number_integer() ? runs.get<int>() : 0};
  }
  return policy;
}

}  // namespace elfdesk::watch
