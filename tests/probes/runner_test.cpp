// ProbeRunner, registry, findings and text formatting, with test probes registered on the fly.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {
namespace {

using namespace std::chrono_literals;

ProbeInfo test_probe(std::string name, ProbeFn fn, std::vector<ArgSpec> args = {}) {
  return ProbeInfo{std::move(name), "test probe", std::move(args), std::move(fn), 0ms};
}

ProbeRegistry registry_with(std::vector<ProbeInfo> extra) {
  ProbeRegistry registry = builtin_registry();
  for (auto& p : extra) REQUIRE(registry.add(std::move(p)).has_value());
  return registry;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("severity: exit codes are numeric values, ranking puts critical > warning > unknown > ok") {
  CHECK(exit_code(Severity::ok) == 0);
  CHECK(exit_code(Severity::warning) == 1);
  CHECK(exit_code(Severity::critical) == 2);
  CHECK(exit_code(Severity::unknown) == 3);
  CHECK(worse(Severity::unknown, Severity::warning) == Severity::warning);
  CHECK(worse(Severity::critical, Severity::unknown) == Severity::critical);
  CHECK(worse(Severity::ok, Severity::unknown) == Severity::unknown);
  std::vector<Finding> fs{{"a", "1", Severity::ok, "", nullptr},
                          {"a", "2", Severity::unknown, "", nullptr},
                          {"a", "3", Severity::critical, "", nullptr},
                          {"a", "4", Severity::warning, "", nullptr}};
  rank_by_urgency(fs);
  CHECK(fs[0].check == "3");
  CHECK(fs[1].check == "4");
  CHECK(fs[2].check == "2");
  CHECK(fs[3].check == "1");
  CHECK(worst_of(fs) == Severity::critical);
  CHECK_FALSE(severity_from_string("bad").has_value());
}

TEST_CASE("finding and report: JSON round trip") {
  Finding f{"disk", "space:/", Severity::warning, "/ has 8% free", 8.0};
  auto text = nlohmann::json(f).dump();
  auto back = finding_from_json(nlohmann::json::parse(text));
  REQUIRE(back.has_value());
  CHECK(*back == f);
  CHECK_FALSE(finding_from_json(nlohmann::json{{"probe", "x"}}).has_value());
  ProbeReport r{"disk", {{"k", 1}}, {f}, Severity::warning, 1.5};
  auto parsed = report_from_json(nlohmann::json::parse(nlohmann::json(r).dump()));
  REQUIRE(parsed.has_value());
  CHECK(parsed->probe == "disk");
  CHECK(parsed->worst == Severity::warning);
  CHECK(parsed->findings == r.findings);
  CHECK(nlohmann::json(r)["exit_code"] == 1);
}

TEST_CASE("runner: unknown probe name is a clear error listing the known probes") {
  ProbeRunner runner;
  auto result = runner.run({"dsk", {}, std::nullopt, 0});
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_argument);
  CHECK(result.error().detail.find("unknown probe 'dsk'") != std::string::npos);
  for (auto name : {"cpu", "disk", "display", "memory", "network", "processes", "services_logs", "system", "time",
                    "triage"}) {
    CHECK(result.error().detail.find(name) != std::string::npos);
  }
}

TEST_CASE("runner: bad arguments are clear errors") {
  ProbeRunner runner;
  auto check_error = [&](std::string name, ProbeArgs args, std::string expected) {
    auto result = runner.run({std::move(name), std::move(args), std::nullopt, 0});
    REQUIRE_FALSE(result.has_value());
    INFO(result.error().detail);
    CHECK(result.error().detail.find(expected) != std::string::npos);
  };
  check_error("cpu", {{{"samples", "3"}}}, "probe 'cpu' has no argument 'samples'; allowed: sample_ms, top");
  check_error("cpu", {{{"sample_ms", "abc"}}}, "expected an integer, got 'abc'");
  check_error("cpu", {{{"sample_ms", "999999"}}}, "999999 is out of range [0, 4000]");
  check_error("processes", {{{"top", "3"}, {"top", "4"}}}, "argument 'top' given twice");
  check_error("network", {{{"connect", "localhost"}}}, "expected HOST:PORT");
  check_error("triage", {{{"skip", "disk,dsk"}}}, "'dsk' is not a probe family");
  check_error("memory", {{{"x", "1"}}}, "allowed: (none)");
  auto bad_limit = runner.run({"memory", {}, 0ms, 0});
  CHECK_FALSE(bad_limit.has_value());
}

TEST_CASE("runner: a probe that overruns its limit is unknown 'timed out', and the runner returns quickly") {
  auto finished = std::make_shared<std::atomic<int>>(0);
  ProbeRunner runner(registry_with({
      test_probe("sleepy",
                 [](const ProbeContext& ctx, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
                   ctx.sleep_for(10s);  // cooperative: wakes when cancelled
                   return ProbeOutput{};
                 }),
      test_probe("stubborn",
                 [finished](const ProbeContext&, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
                   std::this_thread::sleep_for(300ms);  // ignores cancellation entirely
                   finished->fetch_add(1);
                   return ProbeOutput{};
                 }),
  }));
  for (std::string name : {"sleepy", "stubborn"}) {
    auto start = std::chrono::steady_clock::now();
    auto report = runner.run({name, {}, 100ms, 0});
    double elapsed = ms_since(start);
    REQUIRE(report.has_value());
    CHECK(report->worst == Severity::unknown);
    REQUIRE(report->findings.size() == 1);
    CHECK(report->findings[0].reason == "timed out after 100 ms");
    CHECK(elapsed < 250);
  }
  CHECK(finished->load() == 0);
  std::this_thread::sleep_for(400ms);  // the detached worker finishes later without touching freed state
  CHECK(finished->load() == 1);
}

TEST_CASE("runner: cancel_all answers running and later calls at once, and tells the probes") {
  auto stopped_early = std::make_shared<std::atomic<bool>>(false);
  ProbeRunner runner(registry_with({
      test_probe("long", [stopped_early](const ProbeContext& ctx, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
        if (!ctx.sleep_for(50s)) stopped_early->store(true);  // wakes when told
        return ProbeOutput{};
      }),
  }));
  std::expected<ProbeReport, Error> running;
  const auto start = std::chrono::steady_clock::now();
  std::thread caller([&] { running = runner.run({"long", {}, 60s, 0}); });  // the longest limit there is
  std::this_thread::sleep_for(100ms);
  runner.cancel_all("cancelled: the session ended");
  caller.join();
  CHECK(ms_since(start) < 1000);
  REQUIRE(running.has_value());
  CHECK(running->worst == Severity::unknown);
  REQUIRE(running->findings.size() == 1);
  CHECK(running->findings[0].reason == "cancelled: the session ended");
  for (int i = 0; i < 100 && !stopped_early->load(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(stopped_early->load());  // the worker was told, not just abandoned

  auto later = runner.run_many({{"long", {}, 60s, 0}, {"cpu", {}, std::nullopt, 0}}, true);
  REQUIRE(later.has_value());
  for (const auto& report : *later) CHECK(report.findings.at(0).reason == "cancelled: the session ended");
  CHECK(ms_since(start) < 2000);
}

TEST_CASE("runner: exceptions, errors and invalid UTF-8 become reports, never exceptions") {
  ProbeRunner runner(registry_with({
      test_probe("thrower", [](const ProbeContext&, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
        throw std::runtime_error("boom");
      }),
      test_probe("failer", [](const ProbeContext&, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
        return std::unexpected(make_error(ErrorCode::io, "cannot read /nowhere"));
      }),
      test_probe("binary", [](const ProbeContext&, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
        ProbeOutput out;
        out.data["name"] = std::string("bad\xff\xfe utf8");
        out.add("x", Severity::ok, std::string("reason \xc3"));
        return out;
      }),
  }));
  auto thrown = runner.run({"thrower", {}, std::nullopt, 0});
  REQUIRE(thrown.has_value());
  CHECK(thrown->worst == Severity::unknown);
  CHECK(thrown->findings[0].reason == "probe failed: boom");
  auto failed = runner.run({"failer", {}, std::nullopt, 0});
  REQUIRE(failed.has_value());
  CHECK(failed->findings[0].reason == "cannot read /nowhere (io)");
  auto binary = runner.run({"binary", {}, std::nullopt, 0});
  REQUIRE(binary.has_value());
  auto text = nlohmann::json(*binary).dump();  // would throw on invalid UTF-8
  CHECK(nlohmann::json::parse(text)["findings"][0]["probe"] == "binary");
}

TEST_CASE("runner: output cap replaces oversized data and says so") {
  RunnerOptions options;
  options.output_cap = 10000;
  ProbeRunner runner(registry_with({test_probe(
                         "chatty",
                         [](const ProbeContext&, const ProbeArgs&) -> std::expected<ProbeOutput, Error> {
                           ProbeOutput out;
                           out.data["blob"] = std::string(100000, 'x');
                           for (int i = 0; i < 500; ++i) out.add("c" + std::to_string(i), Severity::ok, "fine");
                           return out;
                         })}),
                     ProbeContext{}, options);
  auto report = runner.run({"chatty", {}, std::nullopt, 0});
  REQUIRE(report.has_value());
  CHECK(report->worst == Severity::unknown);
  CHECK(report->findings[0].check == "output_cap");
  CHECK(report->findings[0].reason.find("exceeded the cap of 10000 bytes") != std::string::npos);
  CHECK(report->data["truncated"] == true);
  CHECK(nlohmann::json(*report).dump().size() <= options.output_cap);
}

TEST_CASE("runner: run_many validates everything first, keeps order, runs in parallel on request") {
  auto runs = std::make_shared<std::atomic<int>>(0);
  ProbeRunner runner(registry_with({test_probe(
      "nap", [runs](const ProbeContext& ctx, const ProbeArgs& args) -> std::expected<ProbeOutput, Error> {
        runs->fetch_add(1);
        ctx.sleep_for(std::chrono::milliseconds(args.get_int("ms", 0)));
        ProbeOutput out;
        out.data["ms"] = args.get_int("ms", 0);
        return out;
      },
      {{"ms", ArgType::integer, "nap length", 0, 1000, {}}})}));
  auto invalid = runner.run_many({{"nap", {{{"ms", "1"}}}, std::nullopt, 1}, {"nap", {{{"ms", "x"}}}, std::nullopt, 2}});
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().detail.rfind("line 2: ", 0) == 0);
  CHECK(runs->load() == 0);
  std::vector<ProbeInvocation> calls{{"nap", {{{"ms", "300"}}}, std::nullopt, 0}, {"nap", {{{"ms", "301"}}}, std::nullopt, 0}};
  auto start = std::chrono::steady_clock::now();
  auto reports = runner.run_many(calls, true);
  CHECK(ms_since(start) < 550);
  REQUIRE(reports.has_value());
  REQUIRE(reports->size() == 2);
  CHECK((*reports)[0].data["ms"] == 300);
  CHECK((*reports)[1].data["ms"] == 301);
}

TEST_CASE("registry: duplicates and bad names are rejected; describe() documents every argument") {
  ProbeRegistry registry = builtin_registry();
  CHECK_FALSE(registry.add(test_probe("cpu", [](const ProbeContext&, const ProbeArgs&) {
                        return std::expected<ProbeOutput, Error>(ProbeOutput{});
                      })).has_value());
  CHECK_FALSE(registry.add(test_probe("Bad Name", [](const ProbeContext&, const ProbeArgs&) {
                        return std::expected<ProbeOutput, Error>(ProbeOutput{});
                      })).has_value());
  auto described = registry.describe();
  CHECK(described.size() == 11);  // nine families, triage, history
  for (const auto& p : described) {
    CHECK_FALSE(p["description"].get<std::string>().empty());
    for (const auto& a : p["args"]) CHECK_FALSE(a["help"].get<std::string>().empty());
  }
}

TEST_CASE("format_report_text: worst first, aligned columns, header with exit code") {
  std::vector<ProbeReport> reports{
      {"memory", {}, {{"memory", "available", Severity::ok, "plenty", nullptr}}, Severity::ok, 1.0},
      {"disk", {}, {{"disk", "space:/very/long/mount", Severity::critical, "/very/long/mount has 2.0% free", 2.0},
                    {"disk", "inodes:/", Severity::warning, "/ has 8% inodes free", 8.0}}, Severity::critical, 2.0},
  };
  auto text = format_report_text(reports);
  INFO(text);
  CHECK(text.rfind("elfdesk diagnostics: CRITICAL (exit 2) - 1 critical, 1 warning, 0 unknown, 1 ok", 0) == 0);
  auto critical = text.find("CRITICAL  disk");
  auto warning = text.find("WARNING   disk");
  auto ok = text.find("OK        memory");
  REQUIRE(critical != std::string::npos);
  REQUIRE(warning != std::string::npos);
  REQUIRE(ok != std::string::npos);
  CHECK(critical < warning);
  CHECK(warning < ok);
  // The reason column starts at the same offset on every finding line.
  auto column_of = [&](std::size_t line_start, const std::string& reason) {
    return text.find(reason, line_start) - line_start;
  };
  CHECK(column_of(critical, "/very/long/mount has") == column_of(warning, "/ has 8%"));
  CHECK(column_of(warning, "/ has 8%") == column_of(ok, "plenty"));
}

}  // namespace elfdesk::probes
