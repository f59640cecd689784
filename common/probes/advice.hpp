// What to do about a finding: a short advice sentence and, where elfdesk can act, the suggested remedy
// (common/remedies/) with its arguments filled in from the report (the busiest process, the full mount,
// the failed unit). Pure functions on reports; any thread. docs/probes.md lists advice and remedy per check.
#pragma once
#include "common/probes/probe.hpp"

namespace elfdesk::probes {

// Fills Finding::advice and Finding::remedy of every finding that is not ok, from the
// report's own data (a triage report also lends the families' data to each other: memory advice names the
// process using the most memory from the processes family).
void add_advice(ProbeReport& report);

// `--remedy NAME --arg k=v ...` for a finding's suggested remedy; empty when it has none.
std::string remedy_command_args(const Finding& finding);

}  // namespace elfdesk::probes
