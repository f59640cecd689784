// What the relay load generator measures: per-direction counters and latency samples, and /proc samples
// of the relay process under test (CPU, RSS) and of the whole machine. Single thread (the generator's).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace elfdesk::bench {

std::int64_t now_ns();  // steady clock; every timestamp in a payload is on it (one process)

struct DirectionStats {
  std::uint64_t sent = 0;            // messages written (whole run)
  std::uint64_t received = 0;        // messages received intact (whole run)
  std::uint64_t window_bytes = 0;    // payload bytes received inside the measured window
  std::uint64_t late_writes = 0;     // writes that started more than 5 ms after they were due
  std::vector<std::uint32_t> due_latency_ns;   // receive - due, for messages due inside the window
  std::vector<std::uint32_t> sent_latency_ns;  // receive - write start, same messages

  void record(std::int64_t received_ns, std::int64_t due_ns, std::int64_t sent_ns);
  nlohmann::json to_json(double window_seconds);
};

struct ProcSample {
  double cpu_seconds = 0;  // utime + stime, all threads
  std::uint64_t rss_kib = 0;
  double runqueue_wait_seconds = 0;  // runnable but not running (schedstat), summed over threads
  bool ok = false;
};
ProcSample sample_process(int pid);
ProcSample sample_self();

struct MachineSample {
  std::uint64_t busy = 0, total = 0;  // jiffies from /proc/stat
};
MachineSample sample_machine();
double busy_cores(const MachineSample& from, const MachineSample& to);

// Percentile (0..100) of samples in ns, reported in ms; sorts in place. -1 with no samples.
double percentile_ms(std::vector<std::uint32_t>& samples, double percentile);

}  // namespace elfdesk::bench
