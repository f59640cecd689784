// elfdesk_relay_load: load generator for bench/relay (see bench/relay/run.py and docs/performance.md).
// Prints one JSON object with what it measured; exit 0 only if every pair was set up and every byte
// written arrived intact. Single-threaded.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "bench/relay/load_generator.hpp"

namespace {

using elfdesk::bench::LoadConfig;
using elfdesk::bench::LoadMode;

constexpr const char* kUsage = R"(usage: elfdesk_relay_load --mode relay|splice|idle --target ADDR:PORT [options]
  relay    pairs through elfdesk-relay: host Register + Accept, engineer Join, then stream
  splice   pairs through a byte splicer (HAProxy) or direct: the engineer dials --target, the host side
           is accepted on --listen ADDR:PORT (TLS with --cert/--key); direct = --target equal to --listen
  idle     hold --pairs registrations (Register only) for --seconds
options: --pairs N (1000) --seconds S (10) --warmup S (3) --down-size B (1250) --down-rate R/s (30)
         --up-size B (32) --up-rate R/s (20) --setup-concurrency N (64) --sources N (1: 127.0.0.1; N>1:
         127.1.x.y) --watch-pid PID (CPU and RSS of the relay) --setup-timeout S (180) --out FILE
)";

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "elfdesk_relay_load: %s\n%s", problem.c_str(), kUsage);
  std::exit(2);
}

asio::ip::tcp::endpoint endpoint_or_exit(const std::string& text) {
  auto endpoint = elfdesk::bench::parse_endpoint(text);
  if (!endpoint) usage(endpoint.error());
  return *endpoint;
}

LoadConfig parse(int argc, char** argv, std::string& out) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) usage("bad argument " + key);
    args[key.substr(2)] = argv[i + 1];
  }
  const auto take = [&](const char* key, const std::string& fallback) {
    const auto found = args.find(key);
    std::string value = found == args.end() ? fallback : found->second;
    if (found != args.end()) args.erase(found);
    return value;
  };
  LoadConfig config;
  const auto mode = take("mode", "relay");
  config.mode = mode == "relay" ? LoadMode::relay : mode == "splice" ? LoadMode::splice : LoadMode::idle;
  if (mode != "relay" && mode != "splice" && mode != "idle") usage("bad mode " + mode);
  config.target = endpoint_or_exit(take("target", ""));
  if (const auto listen = take("listen", ""); !listen.empty()) config.listen = endpoint_or_exit(listen);
  config.cert = take("cert", "");
  config.key = take("key", "");
  config.pairs = std::stoi(take("pairs", "1000"));
  config.seconds = std::stod(take("seconds", "10"));
  config.warmup_seconds = std::stod(take("warmup", "3"));
  config.down_size = std::stoul(take("down-size", "1250"));
  config.down_rate = std::stod(take("down-rate", "30"));
  config.up_size = std::stoul(take("up-size", "32"));
  config.up_rate = std::stod(take("up-rate", "20"));
  config.setup_concurrency = std::stoi(take("setup-concurrency", "64"));
  config.sources = std::stoi(take("sources", "1"));
  config.watch_pid = std::stoi(take("watch-pid", "0"));
  config.setup_timeout_seconds = std::stod(take("setup-timeout", "180"));
  out = take("out", "");
  if (!args.empty()) usage("unknown option --" + args.begin()->first);
  if (config.mode == LoadMode::splice && (!config.listen || config.cert.empty() || config.key.empty()))
    usage("splice needs --listen, --cert and --key");
  for (const auto size : {config.down_size, config.up_size})
    if (size < elfdesk::bench::kPayloadHeader || size > 65535) usage("message sizes must be 24..65535");
  if (config.pairs < 1 || config.down_rate <= 0 || config.up_rate <= 0) usage("pairs and rates must be positive");
  return config;
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

double delta(const nlohmann::json& samples, const char* from, const char* to, const char* key) {
  if (!samples.contains(from) || !samples.contains(to) || !samples[from].contains(key)) return 0;
  return samples[to][key].get<double>() - samples[from][key].get<double>();
}

// The figures the runner reports, from the raw samples.
void derive(nlohmann::json& result, const LoadConfig& config) {
  const auto& samples = result["samples"];
  const double established = std::max(1.0, result.value("established", 0.0));
  if (config.watch_pid > 0) {
    const double before = samples["before"]["rss_kib"].get<double>();
    if (config.mode == LoadMode::idle) {
      result["rss_per_registration_kib"] = (samples["held"]["rss_kib"].get<double>() - before) / established;
      return;
    }
    if (!samples.contains("window_end")) return;
    result["rss_per_session_kib"] = (samples["window_end"]["rss_kib"].get<double>() - before) / established;
  }
  if (!samples.contains("window_end")) return;
  const double wall = delta(samples, "window_start", "window_end", "t_ns") / 1e9;
  const double bytes = result["down"]["window_bytes"].get<double>() + result["up"]["window_bytes"].get<double>();
  result["gbit_s"] = bytes * 8 / 1e9 / wall;
  result["generator_cores"] = delta(samples, "window_start", "window_end", "self_cpu_seconds") / wall;
  result["machine_busy_cores"] =
      static_cast<double>(std::thread::hardware_concurrency()) *
      delta(samples, "window_start", "window_end", "machine_busy") /
      std::max(1.0, delta(samples, "window_start", "window_end", "machine_total"));
  result["generator_runqueue_wait_ms_per_s"] =
      delta(samples, "window_start", "window_end", "self_runqueue_wait_seconds") * 1e3 / wall;
  if (config.watch_pid > 0) {
    result["relay_runqueue_wait_ms_per_s"] =
        delta(samples, "window_start", "window_end", "runqueue_wait_seconds") * 1e3 / wall;
    result["relay_cores"] = delta(samples, "window_start", "window_end", "cpu_seconds") / wall;
    result["relay_cores_per_gbit_s"] = result["relay_cores"].get<double>() / result["gbit_s"].get<double>();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  LoadConfig config;
  nlohmann::json result;
  try {
    config = parse(argc, argv, out);
    raise_descriptor_limit();
    elfdesk::bench::LoadGenerator generator(config);
    result = generator.run();
    derive(result, config);
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "elfdesk_relay_load: %s\n", failure.what());
    std::exit(1);
  }
  const bool ok = result.value("setup_complete", false) && result.value("setup_failures", 1) == 0 &&
                  result.value("lost_messages", 0) == 0 && result.value("corrupt_streams", 1) == 0 &&
                  result.value("broken_streams", 1) == 0 && result.value("control_lost", 1) == 0 &&
                  !result.contains("error");
  result["ok"] = ok;
  const auto text = result.dump(1);
  if (!out.empty()) std::ofstream(out) << text << "\n";
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
  // Thousands of sockets and their pending coroutines: let the kernel reclaim them rather than unwinding
  // each one in an order asio would need us to get exactly right.
  _exit(ok ? 0 : 1);
}
