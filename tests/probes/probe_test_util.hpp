// Helpers for the probe tests: fixture contexts, running standard tools (df, free, ps, ip, getent)
// to compare against, finding look-ups. Test main thread only.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/probes/probe_runner.hpp"

namespace elfdesk::probes::test {

std::filesystem::path fixture_root(const std::string& machine);  // "healthy" or "sick"
ProbeContext fixture_context(const std::string& machine);
// Context for `machine` whose statvfs answers come from `stats` (mount point -> stats).
ProbeContext fixture_context(const std::string& machine, std::map<std::string, FsStats> stats);

// Runs a shell command (tests only; probes never do) and returns its stdout; throws on failure.
std::string run_tool(const std::string& command);

// Runs a probe through a runner over builtin_registry(); fails the test on a validation error.
ProbeReport run_probe(const ProbeContext& context, const std::string& name, ProbeArgs args = {});

const Finding* find_finding(const ProbeReport& report, const std::string& check);
std::string temp_dir();  // mkdtemp under $TMPDIR or /tmp

}  // namespace elfdesk::probes::test
