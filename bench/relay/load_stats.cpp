#include "bench/relay/load_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>
#include <utility>

namespace elfdesk::bench {
namespace {

std::uint32_t clamp_ns(std::int64_t ns) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(ns, 0, std::numeric_limits<std::uint32_t>::max()));
}

ProcSample sample_path(const std::string& dir) {
  ProcSample sample;
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return sample;
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int index = 3; rest >> field && index <= 15; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
  }
  sample.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status(dir + "/status");
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) sample.rss_kib = std::stoull(line.substr(6));
  // Time spent waiting for a CPU while runnable: on a shared machine, what the scheduler adds to latency.
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec)) {
    std::ifstream schedstat(task.path() / "schedstat");
    double on_cpu = 0, waiting = 0;
    if (schedstat >> on_cpu >> waiting) sample.runqueue_wait_seconds += waiting / 1e9;
  }
  sample.ok = true;
  return sample;
}

}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void DirectionStats::record(std::int64_t received_ns, std::int64_t due_ns, std::int64_t sent_ns) {
  due_latency_ns.push_back(clamp_ns(received_ns - due_ns));
  sent_latency_ns.push_back(clamp_ns(received_ns - sent_ns));
}

nlohmann::json DirectionStats::to_json(double window_seconds) {
  nlohmann::json out{{"sent", sent}, {"received", received}, {"late_writes", late_writes},
                     {"window_bytes", window_bytes},
                     {"window_mbit_s", static_cast<double>(window_bytes) * 8 / 1e6 / window_seconds},
                     {"samples", due_latency_ns.size()}};
  const std::pair<const char*, double> percentiles[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9},
                                                        {"max", 100}};
  for (const auto& [name, p] : percentiles) {
    out[std::string("due_") + name + "_ms"] = percentile_ms(due_latency_ns, p);
    out[std::string("sent_") + name + "_ms"] = percentile_ms(sent_latency_ns, p);
  }
  return out;
}

ProcSample sample_process(int pid) { return sample_path("/proc/" + std::to_string(pid)); }
ProcSample sample_self() { return sample_path("/proc/self"); }

MachineSample sample_machine() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  MachineSample sample;
  std::uint64_t value = 0;
  for (int index = 0; index < 8 && stat >> value; ++index) {
    sample.total += value;
    if (index != 3 && index != 4) sample.busy += value;  // idle and iowait
  }
  return sample;
}

double busy_cores(const MachineSample& from, const MachineSample& to) {
  if (to.total <= from.total) return 0;
  const double cores = static_cast<double>(std::thread::hardware_concurrency());
  return cores * static_cast<double>(to.busy - from.busy) / static_cast<double>(to.total - from.total);
}

double percentile_ms(std::vector<std::uint32_t>& samples, double percentile) {
  if (samples.empty()) return -1;
  const auto rank = static_cast<std::size_t>(
      std::min<double>(static_cast<double>(samples.size()) - 1,
                       std::ceil(percentile / 100.0 * static_cast<double>(samples.size())) - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(rank), samples.end());
  return static_cast<double>(samples[rank]) / 1e6;
}

}  // namespace elfdesk::bench
