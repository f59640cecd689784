#include "common/probes/process_table.hpp"

#include <cctype>
#include <ranges>

#include <unistd.h>

#include <algorithm>
#include <map>

#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {

long clock_ticks_per_second() {
  long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

std::expected<std::vector<CpuTimes>, Error> read_cpu_times(const std::filesystem::path& proc) {
  auto text = util::read_text(proc / "stat");
  if (!text) return std::unexpected(text.error());
  std::vector<CpuTimes> out;
  for (auto line : util::lines(*text)) {
    auto f = util::split_ws(line);
    if (f.size() < 5 || f[0].substr(0, 3) != "cpu") continue;
    CpuTimes t;
    t.name = std::string(f[0]);
    std::uint64_t* slots[] = {&t.user, &t.nice, &t.system, &t.idle, &t.iowait, &t.irq, &t.softirq, &t.steal};
    for (std::size_t i = 0; i < std::size(slots) && i + 1 < f.size(); ++i) {
      *slots[i] = util::parse_number<std::uint64_t>(f[i + 1]).value_or(0);
    }
    out.push_back(std::move(t));
  }
  if (out.empty() || out.front().name != "cpu") {
    return std::unexpected(make_error(ErrorCode::malformed, (proc / "stat").string() + " has no 'cpu' line"));
  }
  return out;
}

double cpu_busy_percent(const CpuTimes& before, const CpuTimes& after) {
  double total = static_cast<double>(after.total()) - static_cast<double>(before.total());
  double idle = static_cast<double>(after.idle_all()) - static_cast<double>(before.idle_all());
  return total > 0 ? util::round_to(util::percent(total - idle, total), 1) : 0.0;
}

nlohmann::json cpu_usage_json(const CpuTimes& before, const CpuTimes& after) {
  double total = static_cast<double>(after.total()) - static_cast<double>(before.total());
  auto share = [&](std::uint64_t CpuTimes::*field) {
    double delta = static_cast<double>(after.*field) - static_cast<double>(before.*field);
    return util::round_to(util::percent(delta, total), 1);
  };
  return {{"cpu", after.name},
          {"busy_percent", cpu_busy_percent(before, after)},
          {"user_percent", share(&CpuTimes::user) + share(&CpuTimes::nice)},
          {"system_percent", share(&CpuTimes::system) + share(&CpuTimes::irq) + share(&CpuTimes::softirq)},
          {"iowait_percent", share(&CpuTimes::iowait)},
          {"steal_percent", share(&CpuTimes::steal)},
          {"idle_percent", share(&CpuTimes::idle)}};
}

namespace {

std::optional<ProcessSample> parse_stat(int pid, std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  auto f = util::split_ws(text.substr(close + 1));
  if (f.size() < 22) return std::nullopt;
  static const long kPage = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
  ProcessSample p;
  p.pid = pid;
  p.comm = std::string(text.substr(open + 1, close - open - 1));
  p.state = f[0].empty() ? '?' : f[0][0];
  p.ppid = util::parse_number<int>(f[1]).value_or(0);
  p.cpu_ticks = util::parse_number<std::uint64_t>(f[11]).value_or(0) + util::parse_number<std::uint64_t>(f[12]).value_or(0);
  p.threads = util::parse_number<int>(f[17]).value_or(0);
  p.start_ticks = util::parse_number<std::uint64_t>(f[19]).value_or(0);
  auto rss_pages = util::parse_number<long long>(f[21]).value_or(0);
  p.rss_bytes = rss_pages > 0 ? static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(kPage) : 0;
  return p;
}

}  // namespace

std::vector<ProcessSample> read_processes(const std::filesystem::path& proc) {
  std::vector<ProcessSample> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc, ec)) {
    auto pid = util::parse_number<int>(entry.path().filename().string());
    if (!pid || *pid <= 0) continue;
    auto text = util::read_text(entry.path() / "stat");
    if (!text) continue;  // exited meanwhile
    if (auto p = parse_stat(*pid, *text)) out.push_back(std::move(*p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return out;
}

std::vector<ProcessCpu> top_cpu(const std::vector<ProcessSample>& before, const std::vector<ProcessSample>& after,
                                double window_seconds, std::size_t top) {
  std::map<int, const ProcessSample*> earlier;
  for (const auto& p : before) earlier[p.pid] = &p;
  double ticks = static_cast<double>(clock_ticks_per_second());
  std::vector<ProcessCpu> out;
  for (const auto& p : after) {
    auto it = earlier.find(p.pid);
    if (it == earlier.end() || it->second->start_ticks != p.start_ticks || window_seconds <= 0) continue;
    double used = static_cast<double>(p.cpu_ticks) - static_cast<double>(it->second->cpu_ticks);
    out.push_back({&p, util::round_to(std::max(0.0, 100.0 * used / ticks / window_seconds), 1)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cpu_percent > b.cpu_percent; });
  if (out.size() > top) out.resize(top);
  return out;
}

std::vector<ProcessCpu> top_cpu_lifetime(const std::vector<ProcessSample>& processes, double uptime_seconds,
                                         std::size_t top) {
  double ticks = static_cast<double>(clock_ticks_per_second());
  std::vector<ProcessCpu> out;
  for (const auto& p : processes) {
    double age = uptime_seconds - static_cast<double>(p.start_ticks) / ticks;
    if (age <= 0) continue;
    out.push_back({&p, util::round_to(100.0 * static_cast<double>(p.cpu_ticks) / ticks / age, 1)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cpu_percent > b.cpu_percent; });
  if (out.size() > top) out.resize(top);
  return out;
}

std::optional<double> read_uptime_seconds(const std::filesystem::path& proc) {
  std::string uptime = util::read_line(proc / "uptime").value_or("");
  auto fields = util::split_ws(uptime);
  return fields.empty() ? std::nullopt : util::parse_double(fields[0]);
}

namespace {

bool secret_name(std::string_view name) {
  static constexpr std::string_view kWords[] = {"pass", "pwd", "token", "key", "secret", "auth",
                                                 "credential", "cookie", "bearer", "signature"};
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

// scheme://user:password@host -> scheme://user:***@host
std::string redact_url_password(std::string arg) {
  const auto scheme = arg.find("://");
  if (scheme == std::string::npos) return arg;
  const auto at = arg.find('@', scheme + 3);
  const auto colon = arg.find(':', scheme + 3);
  const auto slash = arg.find('/', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at || (slash != std::string::npos && slash < at))
    return arg;
  return arg.substr(0, colon + 1) + std::string(kRedacted) + arg.substr(at);
}

}  // namespace

std::string redacted_command_line(std::string_view cmdline) {
  std::vector<std::string> args;
  for (auto part : std::views::split(cmdline, '\0')) args.emplace_back(part.begin(), part.end());
  while (!args.empty() && args.back().empty()) args.pop_back();
  std::string out;
  bool mask_next = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    const auto eq = arg.find('=');
    if (mask_next && !arg.starts_with("-")) {
      arg = std::string(kRedacted);  // --password VALUE
    } else if (eq != std::string::npos && eq > 0 && secret_name(std::string_view(arg).substr(0, eq))) {
      arg = arg.substr(0, eq + 1) + std::string(kRedacted);  // --password=VALUE, PASSWORD=VALUE
    } else {
      arg = redact_url_password(std::move(arg));
    }
    // The first word is the program: "keyring-daemon" is a name, not an option.
    mask_next = i > 0 && eq == std::string::npos && args[i].starts_with("-") && secret_name(args[i]);
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return std::string(util::trim(out));
}

nlohmann::json process_json(const std::filesystem::path& proc, const ProcessSample& p) {
  std::string command;
  if (auto text = util::read_text(proc / std::to_string(p.pid) / "cmdline")) {
    command = redacted_command_line(*text);
    if (command.size() > 256) command.resize(256);
  }
  return {{"pid", p.pid},        {"ppid", p.ppid},     {"name", p.comm},       {"state", std::string(1, p.state)},
          {"rss_bytes", p.rss_bytes}, {"threads", p.threads}, {"command", command}};
}

}  // namespace elfdesk::probes
