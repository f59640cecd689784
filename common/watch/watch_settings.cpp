#include "common/watch/watch_settings.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <set>

#include "common/cli_args.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

namespace elfdesk::watch {
namespace {

std::unexpected<Error> bad(const std::filesystem::path& path, const toml::node& node, const std::string& what) {
  return std::unexpected(
      make_error(ErrorCode::invalid_argument, fmt::format("{}:{}: {}", path.string(), node.source().begin.line, what)));
}

std::optional<WallTime> as_time(const toml::node& node) {
  if (const auto* dt = node.as_date_time()) {
    const auto& v = dt->get();
    auto days = std::chrono::sys_days(std::chrono::year_month_day(
        std::chrono::year(v.date.year), std::chrono::month(v.date.month), std::chrono::day(v.date.day)));
    auto t = WallTime(days) + std::chrono::hours(v.time.hour) + std::chrono::minutes(v.time.minute) +
             std::chrono::seconds(v.time.second);
    if (v.offset) t -= std::chrono::minutes(v.offset->minutes);
    return t;
  }
  if (const auto* d = node.as_date()) {
    const auto& v = d->get();
    return WallTime(std::chrono::sys_days(
        std::chrono::year_month_day(std::chrono::year(v.year), std::chrono::month(v.month), std::chrono::day(v.day))));
  }
  return std::nullopt;
}

std::expected<void, Error> read_snoozes(const std::filesystem::path& path, const toml::table& table, WatchSettings& s) {
  for (const auto& [key, node] : table) {
    auto until = as_time(node);
    if (!until)
      return bad(path, node,
                 fmt::format("snooze \"{}\" must be a date or date-time, e.g. 2026-12-31T08:00:00Z", key.str()));
    s.rules.snooze_until[std::string(key.str())] = *until;
  }
  return {};
}

std::expected<void, Error> read_number(const std::filesystem::path& path, const toml::table& table, const char* key,
                                       double min, double max, const std::function<void(double)>& set) {
  const toml::node* node = table.get(key);
  if (!node) return {};
  std::optional<double> value;
  if (const auto* i = node->as_integer()) value = static_cast<double>(i->get());
  if (const auto* f = node->as_floating_point()) value = f->get();
  if (!value || *value < min || *value > max)
    return bad(path, *node, fmt::format("{} must be a number from {} to {}", key, min, max));
  set(*value);
  return {};
}

std::expected<void, Error> read_strings(const std::filesystem::path& path, const toml::table& t, WatchSettings& s) {
  if (const auto* n = t.get("quiet_hours")) {
    const auto* text = n->as_string();
    auto quiet = text ? parse_quiet_hours(text->get()) : std::unexpected(make_error(ErrorCode::invalid_argument, ""));
    if (!quiet) return bad(path, *n, "quiet_hours must be a string \"HH:MM-HH:MM\" (local time)");
    s.rules.quiet = *quiet;
  }
  for (auto [key, field] : {std::pair{"skip", &s.skip}, std::pair{"report_to", &s.report_to}}) {
    if (const auto* n = t.get(key)) {
      if (!n->as_string()) return bad(path, *n, fmt::format("{} must be a string", key));
      *field = n->as_string()->get();
    }
  }
  if (const auto* n = t.get("help_command")) {
    const auto* list = n->as_array();
    std::vector<std::string> words;
    for (std::size_t i = 0; list && i < list->size(); ++i)
      if (const auto* w = list->get(i)->as_string()) words.push_back(w->get());
    if (!list || words.empty() || words.size() != list->size())
      return bad(path, *n, "help_command must be a list of strings, e.g. [\"elfdesk-host\", \"--ui\", \"window\"]");
    s.help_command = std::move(words);
  }
  return {};
}

}  // namespace

std::expected<void, Error> read_watch_settings(const std::filesystem::path& path, WatchSettings& s) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  toml::table file;
  try {
    file = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("{}:{}: {}", path.string(), e.source().begin.line, e.description())));
  } catch (const std::exception& e) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "cannot read " + path.string() + ": " + e.what()));
  }
  const toml::table* t = file["watch"].as_table();
  if (!t) return {};
  auto hours = [](double* into) { return [into](double v) { *into = v * 3600; }; };
  for (auto r : {read_number(path, *t, "interval_seconds", 1, 86400,
                             [&](double v) { s.interval = std::chrono::seconds(static_cast<long>(v)); }),
                 read_number(path, *t, "history_max_bytes", 4096, 1 << 30,
                             [&](double v) { s.history_max_bytes = static_cast<std::size_t>(v); }),
                 read_number(path, *t, "fill_warning_hours", 0.001, 24 * 365, hours(&s.limits.fill_warning_s)),
                 read_number(path, *t, "fill_critical_hours", 0.001, 24 * 365, hours(&s.limits.fill_critical_s)),
                 read_strings(path, *t, s)})
    if (!r) return r;
  if (const auto* n = t->get("snooze")) {
    if (!n->as_table()) return bad(path, *n, "[watch.snooze] must be a table of \"probe/check\" = date");
    if (auto r = read_snoozes(path, *n->as_table(), s); !r) return r;
  }
  static const std::set<std::string> known = {
      "interval_seconds", "history_max_bytes",  "quiet_hours",         "skip",  "report_to",
      "help_command",     "fill_warning_hours", "fill_critical_hours", "snooze"};
  for (const auto& [key, value] : *t)
    if (!known.contains(std::string(key.str())))
      log::warn("{}: unknown [watch] setting '{}' ignored", path.string(), key.str());
  return {};
}

std::expected<WatchSettings, Error> load_watch_settings() {
  WatchSettings s;
  for (const auto& path : config_file_paths())
    if (auto r = read_watch_settings(path, s); !r) return std::unexpected(r.error());
  return s;
}

std::expected<WatchCommand, Error> parse_watch_command(const std::vector<std::string>& args,
                                                       const std::vector<std::string>& extra_flags) {
  std::set<std::string> flags = {"once", "no-notify", "help"};
  flags.insert(extra_flags.begin(), extra_flags.end());
  auto parsed = parse_args(args, {"interval", "report-to", "state-dir"}, flags);
  if (!parsed) return std::unexpected(parsed.error());
  WatchCommand cmd;
  if (parsed->has("help")) {
    cmd.show_help = true;
    return cmd;
  }
  if (!parsed->positional.empty())
    return std::unexpected(make_error(ErrorCode::invalid_argument, "unexpected argument " + parsed->positional[0]));
  auto settings = load_watch_settings();
  if (!settings) return std::unexpected(settings.error());
  cmd.settings = std::move(*settings);
  if (parsed->has("interval")) {
    auto n = parse_number(parsed->get("interval"), 1, 86400, "--interval");
    if (!n) return std::unexpected(n.error());
    cmd.settings.interval = std::chrono::seconds(*n);
  }
  if (parsed->has("report-to")) cmd.settings.report_to = parsed->get("report-to");
  if (parsed->has("state-dir")) cmd.settings.state_dir = parsed->get("state-dir");
  cmd.settings.once = parsed->has("once");
  cmd.settings.notify = !parsed->has("no-notify");
  return cmd;
}

std::string watch_options_usage() {
  return R"(  --interval SECONDS     run the checks this often (default 900, or interval_seconds in [watch])
  --once                 run the checks once and exit with the worst severity (0 ok .. 3 unknown)
  --report-to journal|PATH  also send each run's findings (nothing else) to the systemd journal with
                         ELFDESK_* fields, or append them as JSON lines to PATH (a log shipper's input)
  --state-dir DIR        where the history lives (default $XDG_STATE_HOME/elfdesk, ~/.local/state/elfdesk)
  --no-notify            no desktop notifications (history and reports only)
Config ([watch] in ~/.config/elfdesk/elfdesk.conf or /etc/elfdesk/elfdesk.conf): interval_seconds,
history_max_bytes, quiet_hours = "22:00-07:00", skip = "display", fill_warning_hours, fill_critical_hours,
help_command = [...], report_to, and [watch.snooze] "probe/check" = 2026-12-31T08:00:00Z.
)";
}

}  // namespace elfdesk::watch
