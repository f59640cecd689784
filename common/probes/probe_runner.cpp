#include "common/probes/probe_runner.hpp"

#include "common/probes/advice.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace elfdesk::probes {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Shared between the caller and the (possibly detached) worker; the worker keeps it alive.
struct Job {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  ProbeReport report;
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  std::string probe;
  std::chrono::milliseconds limit{0};
  Clock::time_point start = Clock::now();
};

// Replaces invalid UTF-8 so that every later dump() succeeds, then enforces the size cap.
void normalise_and_cap(ProbeReport& report, std::size_t cap) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  report.data = nlohmann::json::parse(report.data.dump(-1, ' ', false, kReplace));
  nlohmann::json findings = report.findings;
  report.findings = nlohmann::json::parse(findings.dump(-1, ' ', false, kReplace)).get<std::vector<Finding>>();
  std::size_t size = nlohmann::json(report).dump().size();
  if (size <= cap) return;
  report.data = nlohmann::json{{"truncated", true}, {"original_bytes", size}, {"cap_bytes", cap}};
  rank_by_urgency(report.findings);
  // Keep the most urgent findings that fit, leaving room for the one that says so. Each finding is sized
  // once: re-serialising the whole report per dropped finding was quadratic (500 findings took seconds
  // under ASan, past the probe's time limit).
  ProbeReport without_findings = report;
  without_findings.findings.clear();
  std::size_t used = nlohmann::json(without_findings).dump().size() + 512;
  std::size_t keep = 0;
  for (; keep < report.findings.size(); ++keep) {
    const std::size_t item = nlohmann::json(report.findings[keep]).dump().size() + 1;  // and its comma
    if (used + item > cap) break;
    used += item;
  }
  report.findings.resize(keep);
  report.findings.insert(report.findings.begin(),
                         Finding{report.probe, "output_cap", Severity::unknown,
                                 fmt::format("output of {} bytes exceeded the cap of {} bytes; data dropped",
                                             size, cap),
                                 nlohmann::json{{"bytes", size}, {"cap", cap}}});
}

ProbeReport execute(const ProbeFn& fn, const ProbeContext& context, const ProbeArgs& args,
                    const std::string& probe, std::size_t cap, Clock::time_point start) {
  ProbeReport report;
  report.probe = probe;
  try {
    auto output = fn(context, args);
    if (!output) {
      return failed_report(probe, fmt::format("{} ({})", output.error().detail, to_string(output.error().code)),
                           ms_since(start));
    }
    report.data = std::move(output->data);
    report.findings = std::move(output->findings);
    for (auto& f : report.findings) {
      if (f.probe.empty()) f.probe = probe;
    }
    rank_by_urgency(report.findings);
    add_advice(report);
    normalise_and_cap(report, cap);
    report.worst = worst_of(report.findings);
  } catch (const std::exception& e) {
    return failed_report(probe, std::string("probe failed: ") + e.what(), ms_since(start));
  } catch (...) {
    return failed_report(probe, "probe failed with an unknown exception", ms_since(start));
  }
  report.elapsed_ms = ms_since(start);
  return report;
}

ProbeReport timed_out_report(const Job& job) {
  return failed_report(job.probe, fmt::format("timed out after {} ms", job.limit.count()), ms_since(job.start));
}

std::shared_ptr<Job> start_job(const ProbeInfo& info, const ProbeInvocation& call, ProbeContext context,
                               std::chrono::milliseconds limit, std::size_t cap) {
  auto job = std::make_shared<Job>();
  job->probe = info.name;
  job->limit = limit;
  context.deadline = job->start + limit;
  context.cancel = job->cancel;
  try {
    std::thread([job, fn = info.fn, context = std::move(context), args = call.args, cap] {
      ProbeReport report = execute(fn, context, args, job->probe, cap, job->start);
      // Finishing at or after the deadline (e.g. a probe that noticed expired()) is a timeout, the
      // same answer the waiting caller gives, whichever side wins the race.
      if (Clock::now() >= context.deadline) report = timed_out_report(*job);
      std::lock_guard lock(job->mutex);
      job->report = std::move(report);
      job->done = true;
      job->done_cv.notify_all();
    }).detach();
  } catch (const std::exception& e) {
    std::lock_guard lock(job->mutex);
    job->report = failed_report(info.name, std::string("cannot start a worker thread: ") + e.what(), 0);
    job->done = true;
  }
  return job;
}

}  // namespace

struct RunnerCancellation {
  std::atomic<bool> set{false};
  std::mutex mutex;
  std::string reason;
  std::optional<std::string> reason_if_set() {
    if (!set.load()) return std::nullopt;
    const std::lock_guard lock(mutex);
    return reason;
  }
};

namespace {

// Waits for the worker until the job's time limit, waking every 50 ms to notice cancel_all() (simpler than
// tracking every running job in the runner).
ProbeReport finish_job(Job& job, RunnerCancellation& cancellation) {
  using namespace std::chrono_literals;
  std::unique_lock lock(job.mutex);
  const auto deadline = job.start + job.limit;
  while (!job.done) {
    if (auto reason = cancellation.reason_if_set()) {
      job.cancel->store(true);
      return failed_report(job.probe, *reason, ms_since(job.start));
    }
    if (Clock::now() >= deadline) {
      job.cancel->store(true);
      return timed_out_report(job);
    }
    job.done_cv.wait_until(lock, std::min(deadline, Clock::now() + 50ms));
  }
  return std::move(job.report);
}

}  // namespace

ProbeReport failed_report(const std::string& probe, const std::string& reason, double elapsed_ms) {
  ProbeReport report;
  report.probe = probe;
  report.findings.push_back(Finding{probe, "run", Severity::unknown, reason, nullptr});
  report.worst = Severity::unknown;
  report.elapsed_ms = elapsed_ms;
  return report;
}

ProbeRunner::ProbeRunner(ProbeRegistry registry, ProbeContext context, RunnerOptions options)
    : registry_(std::move(registry)),
      context_(std::move(context)),
      options_(options),
      cancellation_(std::make_shared<RunnerCancellation>()) {}

void ProbeRunner::cancel_all(std::string reason) const {
  const std::lock_guard lock(cancellation_->mutex);
  cancellation_->reason = std::move(reason);
  cancellation_->set.store(true);
}

std::expected<ProbeInvocation, Error> ProbeRunner::resolve_time_limit(ProbeInvocation call) const {
  auto& items = call.args.items;
  auto it = std::find_if(items.begin(), items.end(), [](const auto& kv) { return kv.first == kTimeLimitArg; });
  if (it == items.end()) return call;
  const ArgSpec spec{std::string(kTimeLimitArg), ArgType::integer, "", 1, options_.max_time_limit.count(), {}};
  const ProbeInfo info{call.name, "", {spec}, [](const ProbeContext&, const ProbeArgs&) { return ProbeOutput{}; }, {}};
  auto ok = validate_args(info, ProbeArgs{{*it}});
  if (!ok) {
    std::string where = call.line > 0 ? fmt::format("line {}: ", call.line) : std::string();
    return std::unexpected(make_error(ErrorCode::invalid_argument, where + ok.error().detail));
  }
  call.time_limit = std::chrono::milliseconds(ProbeArgs{{*it}}.get_int(kTimeLimitArg, 0));
  items.erase(it);
  return call;
}

std::expected<void, Error> ProbeRunner::validate(const ProbeInvocation& original) const {
  auto resolved = resolve_time_limit(original);
  if (!resolved) return std::unexpected(resolved.error());
  const ProbeInvocation& call = *resolved;
  std::string where = call.line > 0 ? fmt::format("line {}: ", call.line) : std::string();
  const ProbeInfo* info = registry_.find(call.name);
  if (!info) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("{}unknown probe '{}'; known probes: {}", where, call.name,
                                                  fmt::join(registry_.names(), ", "))));
  }
  if (auto ok = validate_args(*info, call.args); !ok) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, where + ok.error().detail));
  }
  if (call.time_limit && (call.time_limit->count() <= 0 || *call.time_limit > options_.max_time_limit)) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("{}time limit {} ms is outside (0, {}] ms", where,
                                                  call.time_limit->count(), options_.max_time_limit.count())));
  }
  return {};
}

std::chrono::milliseconds ProbeRunner::limit_for(const ProbeInfo& info, const ProbeInvocation& call) const {
  if (call.time_limit) return *call.time_limit;
  auto limit = info.time_limit.count() > 0 ? info.time_limit : options_.default_time_limit;
  return std::min(limit, options_.max_time_limit);
}

std::expected<ProbeReport, Error> ProbeRunner::run(const ProbeInvocation& original) const {
  if (auto ok = validate(original); !ok) return std::unexpected(ok.error());
  const ProbeInvocation call = *resolve_time_limit(original);
  const ProbeInfo& info = *registry_.find(call.name);
  if (auto reason = cancellation_->reason_if_set()) return failed_report(info.name, *reason, 0);
  auto job = start_job(info, call, context_, limit_for(info, call), options_.output_cap);
  return finish_job(*job, *cancellation_);
}

std::expected<std::vector<ProbeReport>, Error> ProbeRunner::run_many(const std::vector<ProbeInvocation>& calls,
                                                                     bool parallel) const {
  for (const auto& call : calls) {
    if (auto ok = validate(call); !ok) return std::unexpected(ok.error());
  }
  std::vector<ProbeReport> reports;
  reports.reserve(calls.size());
  if (!parallel) {
    for (const auto& call : calls) reports.push_back(*run(call));
    return reports;
  }
  std::vector<std::shared_ptr<Job>> jobs;
  for (const auto& original : calls) {
    const ProbeInvocation call = *resolve_time_limit(original);
    const ProbeInfo& info = *registry_.find(call.name);
    jobs.push_back(start_job(info, call, context_, limit_for(info, call), options_.output_cap));
  }
  for (auto& job : jobs) reports.push_back(finish_job(*job, *cancellation_));
  return reports;
}

Severity worst_of(const std::vector<ProbeReport>& reports) {
  Severity worst = Severity::ok;
  for (const auto& r : reports) worst = worse(worst, r.worst);
  return worst;
}

}  // namespace elfdesk::probes
