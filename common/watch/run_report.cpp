#include "common/watch/run_report.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>

namespace elfdesk::watch {
namespace {

double cpu_now_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double wall_now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long read_vm_hwm_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmHWM:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

nlohmann::json finding_json(const probes::Finding& f) {
  nlohmann::json out{
      {"probe", f.probe}, {"check", f.check}, {"severity", probes::to_string(f.severity)}, {"reason", f.reason}};
  if (!f.value.is_null()) out["value"] = f.value;
  if (!f.advice.empty()) out["advice"] = f.advice;
  return out;
}

}  // namespace

CostMeter::CostMeter() : cpu_start_ms_(cpu_now_ms()), wall_start_ms_(wall_now_ms()) {
  // Resets the peak resident set size, so VmHWM afterwards is this run's peak (Linux >= 4.0).
  if (const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC); fd >= 0) {
    (void)!::write(fd, "5", 1);
    ::close(fd);
  }
}

RunCost CostMeter::finish() const {
  return {std::round((cpu_now_ms() - cpu_start_ms_) * 10) / 10, read_vm_hwm_kib(),
          std::round((wall_now_ms() - wall_start_ms_) * 10) / 10};
}

std::string iso_utc(double epoch_seconds) {
  const auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json history_line(const RunRecord& run) {
  nlohmann::json line = report_line(run);
  line["samples"] = to_json(run.sample);
  line["cost"] = {{"cpu_ms", run.cost.cpu_ms}, {"peak_rss_kib", run.cost.peak_rss_kib}, {"wall_ms", run.cost.wall_ms}};
  return line;
}

nlohmann::json report_line(const RunRecord& run) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : run.findings) findings.push_back(finding_json(f));
  return {{"time", iso_utc(run.epoch_seconds)},
          {"epoch_seconds", std::round(run.epoch_seconds * 1000) / 1000},
          {"worst", probes::to_string(run.worst)},
          {"findings", std::move(findings)}};
}

std::expected<void, Error> send_report(const std::string& target, const RunRecord& run) {
  if (target == "journal") {
    for (const auto& f : run.findings) {
      const int priority = f.severity == probes::Severity::critical  ? 2
                           : f.severity == probes::Severity::warning ? 4
                                                                     : 5;
      sd_journal_send("MESSAGE=elfdesk watch: %s %s %s: %s", probes::to_string(f.severity).data(), f.probe.c_str(),
                      f.check.c_str(), f.reason.c_str(), "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=elfdesk-watch",
                      "ELFDESK_PROBE=%s", f.probe.c_str(), "ELFDESK_CHECK=%s", f.check.c_str(), "ELFDESK_SEVERITY=%s",
                      probes::to_string(f.severity).data(), "ELFDESK_REASON=%s", f.reason.c_str(), "ELFDESK_ADVICE=%s",
                      f.advice.c_str(), nullptr);
    }
    const int r =
        sd_journal_send("MESSAGE=elfdesk watch: run finished, worst %s, %zu finding(s)",
                        probes::to_string(run.worst).data(), run.findings.size(), "PRIORITY=6",
                        "SYSLOG_IDENTIFIER=elfdesk-watch", "ELFDESK_WORST=%s", probes::to_string(run.worst).data(),
                        "ELFDESK_FINDINGS=%s", report_line(run)["findings"].dump().c_str(), nullptr);
    if (r < 0) return std::unexpected(make_error(ErrorCode::io, std::string("journal: ") + std::strerror(-r)));
    return {};
  }
  const std::string line = report_line(run).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(make_error(ErrorCode::io, "cannot open " + target + ": " + std::strerror(errno)));
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) return std::unexpected(make_error(ErrorCode::io, "cannot write " + target));
  return {};
}

}  // namespace elfdesk::watch
