// ProbeRunner: validates a probe call against the registry, runs it on a worker thread under a time
// limit and an output cap, and always answers with a ProbeReport (failures become severity unknown).
// Any thread; a runner is immutable after construction except for cancel_all(). Timed-out and cancelled
// workers are detached and own everything they touch (shared state), so they may finish after the runner
// is gone.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/probes/probe.hpp"
#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::probes {

// One probe call, e.g. from a script line or a ProbeRequest message.
struct ProbeInvocation {
  std::string name;
  ProbeArgs args;
  std::optional<std::chrono::milliseconds> time_limit;  // overrides the probe's and runner's default
  int line = 0;  // script line it came from (for error messages); 0 when not from a script
};

// The argument every probe accepts (scripts, --arg, ProbeRequest): its time limit in ms, taken out of the
// arguments by the runner before they reach the probe. It travels as an ordinary argument so a call from
// a script carries its limit over the wire unchanged.
inline constexpr std::string_view kTimeLimitArg = "time_limit_ms";

struct RunnerOptions {
  std::chrono::milliseconds default_time_limit{5000};
  std::chrono::milliseconds max_time_limit{60000};  // no call may ask for more
  std::size_t output_cap = limits::kMaxProbeResultBytes;  // serialised JSON report, bytes
};

struct RunnerCancellation;  // probe_runner.cpp

class ProbeRunner {
 public:
  explicit ProbeRunner(ProbeRegistry registry = builtin_registry(), ProbeContext context = {},
                       RunnerOptions options = {});

  // invalid_argument for an unknown probe (the message lists the known ones) or a bad argument.
  std::expected<void, Error> validate(const ProbeInvocation& call) const;
  // The call with a `time_limit_ms` argument moved into time_limit (the argument wins), or the error
  // for a malformed one. validate() and run() apply it themselves.
  std::expected<ProbeInvocation, Error> resolve_time_limit(ProbeInvocation call) const;

  // Runs one probe. Errors only for invalid calls; everything that goes wrong while running
  // (exception, error, time limit, output cap) is a report with severity unknown and the reason.
  std::expected<ProbeReport, Error> run(const ProbeInvocation& call) const;

  // Validates every call first (nothing runs if one is invalid), then runs them in order, or all
  // at once when `parallel`. Reports come back in call order.
  std::expected<std::vector<ProbeReport>, Error> run_many(const std::vector<ProbeInvocation>& calls,
                                                          bool parallel = false) const;

  // Ends every call now and from now on, as a report saying `reason` (severity unknown): a session that
  // ends must not wait for a probe's time limit (up to a minute). The probes are told through
  // ProbeContext::expired() and finish in the background. Any thread.
  void cancel_all(std::string reason) const;

  const ProbeRegistry& registry() const { return registry_; }
  const RunnerOptions& options() const { return options_; }

 private:
  std::chrono::milliseconds limit_for(const ProbeInfo& info, const ProbeInvocation& call) const;

  ProbeRegistry registry_;
  ProbeContext context_;
  RunnerOptions options_;
  std::shared_ptr<RunnerCancellation> cancellation_;  // set by cancel_all(), read by every wait
};

// A report for a probe that could not produce one: severity unknown, one finding with `reason`.
ProbeReport failed_report(const std::string& probe, const std::string& reason, double elapsed_ms);

// Human-readable text for a support engineer: a header line with counts, every finding worst
// first in aligned columns, then one line per probe with its worst severity and time.
std::string format_report_text(const std::vector<ProbeReport>& reports);
std::string format_report_text(const ProbeReport& report);

// Worst severity over all reports by urgency; exit_code() of it is the CLI's exit status.
Severity worst_of(const std::vector<ProbeReport>& reports);

}  // namespace elfdesk::probes
