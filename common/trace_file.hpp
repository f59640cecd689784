// A CSV trace that a developer turns on with an environment variable (ELFDESK_FRAME_TRACE,
// ELFDESK_CAPTURE_TRACE): the file named there, opened with its header, or none. For measuring where time
// goes (bench/g2g_breakdown.py), not for users. Callers keep the result in a function-local static, so
// the check costs one null test per traced event when the trace is off. Lines stay in stdio's buffer
// until it fills or the program exits: a flush per line was a write(2) per frame, which the bench counted
// as the host's CPU (a twentieth of it while typing).
#pragma once
#include <cstdio>
#include <memory>

namespace elfdesk {

struct TraceFileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using TraceFile = std::unique_ptr<std::FILE, TraceFileCloser>;

// The file named by `env_var`, created with `csv_header` as its first line; none when the variable is
// unset or empty or the file cannot be opened.
TraceFile open_trace_from_env(const char* env_var, const char* csv_header);

}  // namespace elfdesk
