// `cpu`: utilisation over a short window (total and per core) and the top CPU consumers.
#include <fmt/format.h>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"
#include "common/probes/process_table.hpp"

namespace elfdesk::probes {
namespace {

constexpr double kBusyWarn = 90.0;
constexpr double kIowaitWarn = 30.0;
constexpr double kStealWarn = 20.0;

nlohmann::json consumers_json(const ProbeContext& ctx, const std::vector<ProcessCpu>& top) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : top) {
    auto j = process_json(ctx.proc, *entry.process);
    j["cpu_percent"] = entry.cpu_percent;
    out.push_back(std::move(j));
  }
  return out;
}

void add_findings(ProbeOutput& out, const nlohmann::json& total, std::string_view basis) {
  double busy = total["busy_percent"].get<double>();
  out.add("utilisation", busy >= kBusyWarn ? Severity::warning : Severity::ok,
          fmt::format("CPU {:.1f}% busy ({}; warning >= {}%)", busy, basis, kBusyWarn), busy);
  double iowait = total["iowait_percent"].get<double>();
  if (iowait >= kIowaitWarn) {
    out.add("iowait", Severity::warning,
            fmt::format("CPU waits on I/O {:.1f}% of the time ({}; warning >= {}%): storage is a bottleneck",
                        iowait, basis, kIowaitWarn),
            iowait);
  }
  double steal = total["steal_percent"].get<double>();
  if (steal >= kStealWarn) {
    out.add("steal", Severity::warning,
            fmt::format("hypervisor steals {:.1f}% of CPU time ({}; warning >= {}%): the VM host is overloaded",
                        steal, basis, kStealWarn),
            steal);
  }
}

std::expected<ProbeOutput, Error> run_cpu(const ProbeContext& ctx, const ProbeArgs& args) {
  auto sample = std::chrono::milliseconds(args.get_int("sample_ms", 200));
  auto top = static_cast<std::size_t>(args.get_int("top", 5));
  auto before = read_cpu_times(ctx.proc);
  if (!before) return std::unexpected(before.error());
  auto procs_before = read_processes(ctx.proc);
  auto start = std::chrono::steady_clock::now();
  if (sample.count() > 0 && !ctx.sleep_for(sample)) {
    return std::unexpected(make_error(ErrorCode::timeout, "cancelled while sampling"));
  }
  auto after = read_cpu_times(ctx.proc);
  if (!after) return std::unexpected(after.error());
  auto procs_after = read_processes(ctx.proc);
  double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A static source (fixture) or sample_ms=0 has no interval: fall back to averages since boot.
  bool since_boot = after->front().total() == before->front().total() || after->size() != before->size();
  std::vector<CpuTimes> base(after->size());
  if (!since_boot) base = *before;
  for (std::size_t i = 0; i < base.size(); ++i) base[i].name = (*after)[i].name;

  ProbeOutput out;
  out.data["basis"] = since_boot ? "since_boot" : "window";
  out.data["window_ms"] = since_boot ? 0.0 : util::round_to(window * 1000.0, 1);
  out.data["logical_cpus"] = after->size() - 1;
  out.data["total"] = cpu_usage_json(base[0], (*after)[0]);
  out.data["per_core"] = nlohmann::json::array();
  for (std::size_t i = 1; i < after->size(); ++i) out.data["per_core"].push_back(cpu_usage_json(base[i], (*after)[i]));
  std::vector<ProcessCpu> consumers;
  if (since_boot) {
    consumers = top_cpu_lifetime(procs_after, read_uptime_seconds(ctx.proc).value_or(0), top);
  } else {
    consumers = top_cpu(procs_before, procs_after, window, top);
  }
  out.data["top_consumers"] = consumers_json(ctx, consumers);
  add_findings(out, out.data["total"], since_boot ? "average since boot" : fmt::format("over {:.0f} ms", window * 1000));
  return out;
}

}  // namespace

ProbeInfo cpu_probe_info() {
  return {"cpu",
          "CPU utilisation over a short window, per core, and the top CPU consumers",
          {{"sample_ms", ArgType::integer, "sampling window in ms (default 200; 0 = averages since boot)", 0, 4000, {}},
           {"top", ArgType::integer, "number of top consumers to list (default 5)", 1, 100, {}}},
          run_cpu,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
