#include "common/watch/watcher.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#include "common/log.hpp"
#include "common/replace_file.hpp"

extern char** environ;

namespace elfdesk::watch {
namespace {

constexpr std::size_t kTrendRuns = 48;  // history lines read for the trends (more than any window)

double clock_seconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int local_minute_of_day(double epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm local{};
  localtime_r(&t, &local);
  return local.tm_hour * 60 + local.tm_min;
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
}

void write_json_file(const std::filesystem::path& path, const nlohmann::json& doc) {
  if (auto written = replace_file(path, doc.dump() + "\n"); !written) log::warn("{}", written.error().detail);
}

std::string plain_summary(const probes::Finding& f) {
  return f.severity == probes::Severity::critical ? "Your computer needs attention now"
                                                  : "Your computer may need attention soon";
}

}  // namespace

Watcher::Watcher(WatchSettings settings, std::vector<std::string> help_default)
    : settings_(std::move(settings)),
      help_command_(settings_.help_command.empty() ? std::move(help_default) : settings_.help_command),
      state_dir_(settings_.state_dir.empty() ? probes::default_state_dir() : settings_.state_dir),
      history_(state_dir_ / "watch-history.jsonl", settings_.history_max_bytes) {
  if (!settings_.notify) return;
  auto notifier = DesktopNotifier::open();
  if (notifier) {
    notifier_ = std::move(*notifier);
  } else {
    log::warn("desktop notifications off: {}", notifier.error().detail);
  }
}

RunRecord Watcher::run_once() {
  const CostMeter meter;
  RunRecord record;
  record.epoch_seconds = clock_seconds(CLOCK_REALTIME);
  probes::ProbeInvocation call{"triage", {}, std::nullopt, 0};
  if (!settings_.skip.empty()) call.args.set("skip", settings_.skip);
  auto triage = runner_.run(call);
  probes::ProbeReport report = triage ? std::move(*triage) : probes::failed_report("triage", triage.error().detail, 0);
  record.sample = sample_from_triage(report, record.epoch_seconds, clock_seconds(CLOCK_BOOTTIME));
  std::vector<RunSample> samples;
  if (auto earlier = history_.newest(kTrendRuns))
    for (const auto& line : *earlier) samples.push_back(sample_from_json(line.value("samples", nlohmann::json())));
  samples.push_back(record.sample);
  record.findings = trend_findings(samples, settings_.limits);
  for (auto& f : report.findings)
    if (f.severity != probes::Severity::ok) record.findings.push_back(std::move(f));
  probes::rank_by_urgency(record.findings);
  record.worst = probes::worst_of(record.findings);
  notify(record);
  record.cost = meter.finish();
  if (auto ok = history_.append(history_line(record)); !ok) log::warn("history: {}", ok.error().detail);
  if (!settings_.report_to.empty())
    if (auto ok = send_report(settings_.report_to, record); !ok) log::warn("--report-to: {}", ok.error().detail);
  return record;
}

void Watcher::notify(const RunRecord& record) {
  const auto state_path = state_dir_ / "watch-notified.json";
  auto policy = NotifyPolicy::from_json(read_json_file(state_path));
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto tell = policy.decide(record.findings, settings_.rules, now, local_minute_of_day(record.epoch_seconds));
  for (const auto& f : tell) {
    const std::string body = f.reason + "\n" + (f.advice.empty() ? "" : f.advice + "\n") +
                             "Choose \"Get help\" to share your screen with your support team.";
    if (!notifier_) {
      log::info("would notify: {}", body);
      continue;
    }
    if (auto id = notifier_->notify(plain_summary(f), body, f.severity == probes::Severity::critical); !id) {
      log::warn("{}", id.error().detail);
      policy.forget(f);
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
  write_json_file(state_path, policy.to_json());
}

void Watcher::start_help(std::uint32_t id) {
  std::vector<char*> argv;
  for (auto& word : help_command_) argv.push_back(word.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // its own session: it outlives a watcher restart
  pid_t pid = 0;
  const int r = posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (r != 0) return log::warn("\"Get help\" (notification {}): cannot start {}: {}", id, argv[0], std::strerror(r));
  std::printf("Get help: started %s (pid %d)\n", argv[0], static_cast<int>(pid));
  std::fflush(stdout);
}

int Watcher::run(const std::atomic<bool>& stop) {
  using namespace std::chrono;
  auto next = steady_clock::now();
  int last = 0;
  while (!stop.load()) {
    if (steady_clock::now() >= next) {
      const auto record = run_once();
      last = probes::exit_code(record.worst);
      std::printf("watch run %s: %s, %zu finding(s), %.1f ms CPU, peak %ld KiB\n",
                  iso_utc(record.epoch_seconds).c_str(), probes::to_string(record.worst).data(), record.findings.size(),
                  record.cost.cpu_ms, record.cost.peak_rss_kib);
      std::fflush(stdout);
      if (settings_.once) return last;
      next = steady_clock::now() + settings_.interval;
    }
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    const auto left = duration_cast<milliseconds>(next - steady_clock::now());
    const auto slice = std::clamp(left, milliseconds(0), milliseconds(500));
    if (notifier_) {
      notifier_->wait(slice);
      notifier_->process([this](std::uint32_t id) { start_help(id); });
    } else {
      std::this_thread::sleep_for(slice);
    }
  }
  return 0;
}

}  // namespace elfdesk::watch
