#include "tests/probes/probe_test_util.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace elfdesk::probes::test {

std::filesystem::path fixture_root(const std::string& machine) { return std::filesystem::path(PROBES_FIXTURE_DIR) / machine; }

ProbeContext fixture_context(const std::string& machine) { return ProbeContext::rooted_at(fixture_root(machine)); }

ProbeContext fixture_context(const std::string& machine, std::map<std::string, FsStats> stats) {
  ProbeContext context = fixture_context(machine);
  context.sources.fs_stats = [stats = std::move(stats)](const std::string& point) -> std::expected<FsStats, Error> {
    auto it = stats.find(point);
    if (it == stats.end()) return std::unexpected(make_error(ErrorCode::io, "no fixture stats for " + point));
    return it->second;
  };
  return context;
}

std::string run_tool(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) out.append(buffer, n);
  int status = pclose(pipe.release());
  if (status != 0) throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command);
  return out;
}

ProbeReport run_probe(const ProbeContext& context, const std::string& name, ProbeArgs args) {
  ProbeRunner runner(builtin_registry(), context);
  auto report = runner.run(ProbeInvocation{name, std::move(args), std::nullopt, 0});
  REQUIRE_MESSAGE(report.has_value(), (report ? "" : report.error().detail));
  return *report;
}

const Finding* find_finding(const ProbeReport& report, const std::string& check) {
  for (const auto& f : report.findings) {
    if (f.check == check) return &f;
  }
  return nullptr;
}

std::string temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/elfdesk-probes-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace elfdesk::probes::test
