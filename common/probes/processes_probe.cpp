// `processes`: process and thread counts, states, zombies, top N by CPU (sampled) and by memory.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"
#include "common/probes/process_table.hpp"

namespace elfdesk::probes {
namespace {

constexpr std::size_t kMaxZombiesListed = 50;

nlohmann::json zombies_json(const ProbeContext& ctx, const std::vector<ProcessSample>& procs) {
  std::map<int, const ProcessSample*> by_pid;
  for (const auto& p : procs) by_pid[p.pid] = &p;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : procs) {
    if (p.state != 'Z' || out.size() >= kMaxZombiesListed) continue;
    auto j = process_json(ctx.proc, p);
    auto parent = by_pid.find(p.ppid);
    j["parent_name"] = parent != by_pid.end() ? nlohmann::json(parent->second->comm) : nlohmann::json(nullptr);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json top_memory_json(const ProbeContext& ctx, const std::vector<ProcessSample>& procs, std::size_t top) {
  std::vector<const ProcessSample*> sorted;
  for (const auto& p : procs) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->rss_bytes > b->rss_bytes; });
  if (sorted.size() > top) sorted.resize(top);
  auto meminfo = util::read_text(ctx.proc / "meminfo").value_or("");
  double total = static_cast<double>(util::meminfo_bytes(meminfo, "MemTotal").value_or(0));
  nlohmann::json out = nlohmann::json::array();
  for (const auto* p : sorted) {
    auto j = process_json(ctx.proc, *p);
    j["memory_percent"] = util::round_to(util::percent(static_cast<double>(p->rss_bytes), total), 1);
    out.push_back(std::move(j));
  }
  return out;
}

std::expected<ProbeOutput, Error> run_processes(const ProbeContext& ctx, const ProbeArgs& args) {
  auto top = static_cast<std::size_t>(args.get_int("top", 5));
  auto sample = std::chrono::milliseconds(args.get_int("sample_ms", 200));
  auto before = read_processes(ctx.proc);
  auto start = std::chrono::steady_clock::now();
  if (sample.count() > 0 && !ctx.sleep_for(sample)) {
    return std::unexpected(make_error(ErrorCode::timeout, "cancelled while sampling"));
  }
  auto procs = read_processes(ctx.proc);
  if (procs.empty()) return std::unexpected(make_error(ErrorCode::io, "no processes under " + ctx.proc.string()));
  double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto by_cpu = top_cpu(before, procs, window, top);
  bool since_boot = sample.count() == 0 ||
                    std::all_of(by_cpu.begin(), by_cpu.end(), [](const ProcessCpu& c) { return c.cpu_percent == 0; });
  if (since_boot) by_cpu = top_cpu_lifetime(procs, read_uptime_seconds(ctx.proc).value_or(0), top);

  ProbeOutput out;
  std::map<std::string, int> states;
  long threads = 0;
  for (const auto& p : procs) {
    ++states[std::string(1, p.state)];
    threads += p.threads;
  }
  out.data = {{"count", procs.size()}, {"threads", threads}, {"states", states},
              {"cpu_basis", since_boot ? "since_start" : "window"}};
  out.data["top_cpu"] = nlohmann::json::array();
  for (const auto& c : by_cpu) {
    auto j = process_json(ctx.proc, *c.process);
    j["cpu_percent"] = c.cpu_percent;
    out.data["top_cpu"].push_back(std::move(j));
  }
  out.data["top_memory"] = top_memory_json(ctx, procs, top);
  out.data["zombies"] = zombies_json(ctx, procs);
  int zombies = states.contains("Z") ? states["Z"] : 0;
  if (zombies > 0) {
    const auto& first = out.data["zombies"][0];
    out.add("zombies", Severity::warning,
            fmt::format("{} zombie process(es), e.g. pid {} ({}) not reaped by parent pid {} ({})", zombies,
                        first["pid"].get<int>(), first["name"].get<std::string>(), first["ppid"].get<int>(),
                        first["parent_name"].is_string() ? first["parent_name"].get<std::string>() : "?"),
            zombies);
  } else {
    out.add("zombies", Severity::ok, fmt::format("{} processes, no zombies", procs.size()), 0);
  }
  return out;
}

}  // namespace

ProbeInfo processes_probe_info() {
  return {"processes",
          "process and thread counts, states, zombies, top N by CPU and by memory",
          {{"top", ArgType::integer, "number of processes in each top list (default 5)", 1, 100, {}},
           {"sample_ms", ArgType::integer, "CPU sampling window in ms (default 200; 0 = lifetime average)", 0, 4000, {}}},
          run_processes,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
