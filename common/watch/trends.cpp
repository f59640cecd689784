#include "common/watch/trends.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/probes/probe_util.hpp"  // human_bytes: the same units as the disk probe

namespace elfdesk::watch {
namespace {

using json = nlohmann::json;
using probes::Finding;
using probes::Severity;

const json* family_data(const probes::ProbeReport& triage, const char* family) {
  const auto probes = triage.data.find("probes");
  if (probes == triage.data.end() || !probes->contains(family)) return nullptr;
  const json& part = (*probes)[family];
  return part.contains("data") && part["data"].is_object() ? &part["data"] : nullptr;
}

Finding finding(std::string check, Severity severity, std::string reason, json value, std::string advice,
                json remedy = nullptr) {
  return Finding{"watch", std::move(check), severity, std::move(reason),
                 std::move(value), std::move(advice), std::move(remedy)};
}

// The newest runs (at most `window`) that are within the same boot as the current one, oldest first.
std::vector<const RunSample*> same_boot(const std::vector<RunSample>& runs, std::size_t window) {
  std::vector<const RunSample*> out;
  for (auto it = runs.rbegin(); it != runs.rend() && out.size() < window; ++it) {
    if (!out.empty() && it->boot_s > out.back()->boot_s) break;  // boot clock went back: a reboot
    out.push_back(&*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void disk_trends(const std::vector<const RunSample*>& runs, const TrendLimits& limits, std::vector<Finding>& out) {
  const RunSample& now = *runs.back();
  for (const auto& [mount, disk] : now.disks) {
    std::vector<std::pair<double, double>> points;
    for (const RunSample* r : runs)
      if (auto it = r->disks.find(mount); it != r->disks.end())
        points.emplace_back(r->wall_s, it->second.available_bytes);
    if (points.size() < 3 || points.front().second - points.back().second < limits.min_fill_bytes) continue;
    const auto fit = fit_fill(points);
    if (!fit || fit->seconds_until_full > limits.fill_warning_s) continue;
    const double eta = fit->seconds_until_full, rate = fit->bytes_per_second;
    const Severity s = eta <= limits.fill_critical_s ? Severity::critical : Severity::warning;
    out.push_back(
        finding("fill:" + mount, s,
                fmt::format("{} will be full in {} at the current rate ({} free, filling {}/min)", mount, about(eta),
                            probes::util::human_bytes(static_cast<std::uint64_t>(disk.available_bytes)),
                            probes::util::human_bytes(static_cast<std::uint64_t>(rate * 60))),
                json{{"seconds_until_full", std::round(eta)}, {"available_bytes", disk.available_bytes}},
                fmt::format("Something keeps writing to {}: see which directories grow and free space before "
                            "it is full; programs fail when it is.",
                            mount),
                json{{"name", "largest_dirs"}, {"args", {{"path", mount}}}}));
  }
}

void memory_trends(const RunSample& prev, const RunSample& now, const TrendLimits& limits, std::vector<Finding>& out) {
  if (prev.oom_kills && now.oom_kills && *now.oom_kills > *prev.oom_kills) {
    const auto kills = *now.oom_kills - *prev.oom_kills;
    out.push_back(finding("oom_since_last", Severity::warning,
                          fmt::format("the kernel ended {} program(s) for lack of memory since the last check", kills),
                          kills,
                          "Programs were stopped because memory ran out: close what is not needed, or add memory."));
  }
  const double span_us = (now.boot_s - prev.boot_s) * 1e6;
  if (prev.psi_some_us && now.psi_some_us && span_us > 0 && *now.psi_some_us >= *prev.psi_some_us) {
    const double percent = 100.0 * (*now.psi_some_us - *prev.psi_some_us) / span_us;
    if (percent >= limits.psi_warning_percent)
      out.push_back(finding("pressure_since_last", Severity::warning,
                            fmt::format("programs waited for memory {:.1f}% of the time since the last check", percent),
                            std::round(percent * 10) / 10,
                            "Memory is short much of the time: close programs that use a lot of it."));
  }
}

void unit_and_clock_trends(const std::vector<const RunSample*>& runs, const TrendLimits& limits,
                           std::vector<Finding>& out) {
  const RunSample& now = *runs.back();
  for (const auto& unit : now.failed_units) {
    std::size_t failed = 0;
    for (const RunSample* r : runs) failed += std::count(r->failed_units.begin(), r->failed_units.end(), unit) ? 1 : 0;
    if (failed >= limits.unit_failures)
      out.push_back(
          finding("keeps_failing:" + unit, Severity::warning,
                  fmt::format("the service {} was failed in {} of the last {} checks", unit, failed, runs.size()),
                  failed, fmt::format("The service {} keeps failing: read its log, then restart it.", unit),
                  json{{"name", "restart_system_unit"}, {"args", {{"unit", unit}}}}));
  }
  std::size_t steps = 0, unsynced = 0;
  double largest = 0;
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const double step = (runs[i]->wall_s - runs[i - 1]->wall_s) - (runs[i]->boot_s - runs[i - 1]->boot_s);
    if (std::fabs(step) >= limits.clock_step_s) ++steps, largest = std::max(largest, std::fabs(step));
  }
  for (auto it = runs.rbegin(); it != runs.rend() && (*it)->clock_synced == false; ++it) ++unsynced;
  if (steps >= limits.clock_steps || unsynced >= limits.unsynced_runs) {
    const std::string reason =
        steps >= limits.clock_steps
            ? fmt::format("the clock was set {} time(s) in the last {} checks (by up to {:.1f} s): it keeps drifting",
                          steps, runs.size(), largest)
            : fmt::format("the clock has not been synchronised for the last {} checks", unsynced);
    out.push_back(
        finding("clock_drift", Severity::warning, reason, json{{"steps", steps}, {"unsynced_runs", unsynced}},
                "The clock keeps drifting: turn on automatic time synchronisation; a clock battery may be flat.",
                json{{"name", "enable_time_sync"}, {"args", json::object()}}));
  }
}

}  // namespace

RunSample sample_from_triage(const probes::ProbeReport& triage, double wall_s, double boot_s) {
  RunSample s;
  s.wall_s = wall_s;
  s.boot_s = boot_s;
  if (const json* disk = family_data(triage, "disk"); disk && disk->contains("filesystems"))
    for (const auto& fs : (*disk)["filesystems"])
      if (!fs.value("read_only", false) && fs.value("size_bytes", 0.0) > 0)
        s.disks[fs.value("mount_point", std::string())] = {fs.value("size_bytes", 0.0),
                                                           fs.value("available_bytes", 0.0)};
  if (const json* mem = family_data(triage, "memory")) {
    if (mem->contains("oom_kills") && (*mem)["oom_kills"].is_number())
      s.oom_kills = (*mem)["oom_kills"].get<std::uint64_t>();
    const json& psi = mem->value("pressure", json(nullptr));
    if (psi.is_object() && psi.contains("some")) s.psi_some_us = psi["some"].value("total_us", 0.0);
  }
  if (const json* svc = family_data(triage, "services_logs"); svc && svc->contains("failed_units"))
    for (const auto& u : (*svc)["failed_units"])
      if (u.is_object()) s.failed_units.push_back(u.value("unit", std::string()));
  if (const json* time = family_data(triage, "time"); time && time->contains("sync") && (*time)["sync"].is_object())
    s.clock_synced = (*time)["sync"].value("synchronised", true);
  return s;
}

json to_json(const RunSample& s) {
  json disks = json::object();
  for (const auto& [mount, d] : s.disks) disks[mount] = {d.size_bytes, d.available_bytes};
  json out{{"wall_s", s.wall_s}, {"boot_s", s.boot_s}, {"disks", disks}, {"failed_units", s.failed_units}};
  if (s.oom_kills) out["oom_kills"] = *s.oom_kills;
  if (s.psi_some_us) out["psi_some_us"] = *s.psi_some_us;
  if (s.clock_synced) out["clock_synced"] = *s.clock_synced;
  return out;
}

RunSample sample_from_json(const json& in) {
  RunSample s;
  if (!in.is_object()) return s;
  s.wall_s = in.value("wall_s", 0.0);
  s.boot_s = in.value("boot_s", 0.0);
  const json disks = in.contains("disks") && in["disks"].is_object() ? in["disks"] : json::object();
  for (const auto& [mount, d] : disks.items())
    if (d.is_array() && d.size() == 2 && d[0].is_number() && d[1].is_number())
      s.disks[mount] = {d[0].get<double>(), d[1].get<double>()};
  if (in.contains("oom_kills") && in["oom_kills"].is_number_unsigned())
    s.oom_kills = in["oom_kills"].get<std::uint64_t>();
  if (in.contains("psi_some_us") && in["psi_some_us"].is_number()) s.psi_some_us = in["psi_some_us"].get<double>();
  if (in.contains("clock_synced") && in["clock_synced"].is_boolean()) s.clock_synced = in["clock_synced"].get<bool>();
  for (const auto& u : in.value("failed_units", json::array()))
    if (u.is_string()) s.failed_units.push_back(u.get<std::string>());
  return s;
}

std::optional<double> seconds_until_full(const std::vector<std::pair<double, double>>& points) {
  const auto fit = fit_fill(points);
  return fit ? std::optional<double>(fit->seconds_until_full) : std::nullopt;
}

std::optional<FillFit> fit_fill(const std::vector<std::pair<double, double>>& points) {
  if (points.size() < 2) return std::nullopt;
  const double n = static_cast<double>(points.size());
  double mt = 0, ma = 0;
  for (const auto& [t, a] : points) mt += t / n, ma += a / n;
  double cov = 0, var = 0;
  for (const auto& [t, a] : points) cov += (t - mt) * (a - ma), var += (t - mt) * (t - mt);
  if (var <= 0) return std::nullopt;
  const double slope = cov / var;  // bytes per second; negative while filling
  if (slope >= 0) return std::nullopt;
  const double fitted_now = ma + slope * (points.back().first - mt);
  // The fit lags a step change; the latest measurement is the better starting point.
  const double available = std::min(fitted_now, points.back().second);
  return FillFit{std::max(0.0, available / -slope), -slope};
}

std::string about(double seconds) {
  const auto say = [](double n, const char* unit) {
    const long r = std::lround(n);
    return fmt::format("about {} {}{}", r, unit, r == 1 ? "" : "s");
  };
  if (seconds < 60) return "less than a minute";
  if (seconds < 3600) return say(seconds / 60, "minute");
  if (seconds < 2 * 86400) return say(seconds / 3600, "hour");
  return say(seconds / 86400, "day");
}

std::vector<Finding> trend_findings(const std::vector<RunSample>& all, const TrendLimits& limits) {
  std::vector<Finding> out;
  if (all.empty()) return out;
  const auto runs = same_boot(all, limits.window);
  disk_trends(runs, limits, out);
  if (runs.size() >= 2) memory_trends(*runs[runs.size() - 2], *runs.back(), limits, out);
  unit_and_clock_trends(runs, limits, out);
  probes::rank_by_urgency(out);
  return out;
}

}  // namespace elfdesk::watch
