// Probe script and --arg parsing: syntax, comments, quotes, errors with line numbers.
#include <doctest/doctest.h>

#include <fstream>

#include "common/probes/script.hpp"
#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {

TEST_CASE("script: probes, arguments, comments, blank lines and quotes") {
  auto calls = parse_probe_script(
      "# morning check\n"
      "\n"
      "system\n"
      "cpu sample_ms=100 top=3   # fast\n"
      "   network resolve=localhost connect=\"127.0.0.1:22\"\n"
      "network resolve=\"a \\\"b\\\" #c\"\n");
  REQUIRE(calls.has_value());
  REQUIRE(calls->size() == 4);
  CHECK((*calls)[0].name == "system");
  CHECK((*calls)[0].line == 3);
  CHECK((*calls)[1].args.items == std::vector<std::pair<std::string, std::string>>{{"sample_ms", "100"}, {"top", "3"}});
  CHECK((*calls)[2].args.get("connect") == "127.0.0.1:22");
  CHECK((*calls)[2].line == 5);
  CHECK((*calls)[3].args.get("resolve") == "a \"b\" #c");
}

TEST_CASE("script: syntax errors name the source and line") {
  auto expect_error = [](std::string_view text, std::string expected) {
    auto calls = parse_probe_script(text, "check.txt");
    REQUIRE_FALSE(calls.has_value());
    INFO(calls.error().detail);
    CHECK(calls.error().detail == expected);
  };
  expect_error("system\ncpu sample_ms\n", "check.txt:2: expected key=value, got 'sample_ms'");
  expect_error("\n\nCPU\n", "check.txt:3: 'CPU' is not a probe name (expected [a-z0-9_-]+)");
  expect_error("cpu top=1 top=2", "check.txt:1: argument 'top' given twice");
  expect_error("# x\nnetwork resolve=\"abc\n", "check.txt:2: unterminated quote");
  expect_error("cpu =5", "check.txt:1: '' is not a valid argument key");
  expect_error("cpu top=" + std::string(2000, '9'), "check.txt:1: value of 'top' is longer than 1024 bytes");
}

TEST_CASE("script: unknown probes and bad arguments are reported with the script line by the runner") {
  auto calls = parse_probe_script("system\n\ndsk\n");
  REQUIRE(calls.has_value());
  ProbeRunner runner;
  auto result = runner.run_many(*calls);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().detail.rfind("line 3: unknown probe 'dsk'; known probes: cpu, disk", 0) == 0);
}

TEST_CASE("script: load from a file") {
  auto dir = test::temp_dir();
  auto path = std::filesystem::path(dir) / "probes.txt";
  std::ofstream(path) << "memory\ndisk\n";
  auto calls = load_probe_script(path);
  REQUIRE(calls.has_value());
  CHECK(calls->size() == 2);
  auto missing = load_probe_script(std::filesystem::path(dir) / "nope.txt");
  CHECK_FALSE(missing.has_value());
  std::filesystem::remove_all(dir);
}

TEST_CASE("--arg NAME.KEY=VALUE parsing and application") {
  auto o = parse_arg_override("cpu.sample_ms=500");
  REQUIRE(o.has_value());
  CHECK(*o == ArgOverride{"cpu", "sample_ms", "500"});
  auto with_dots = parse_arg_override("network.resolve=www.example.org");
  REQUIRE(with_dots.has_value());
  CHECK(with_dots->value == "www.example.org");
  for (auto bad : {"cpu", "cpu=1", "cpu.=1", ".x=1", "CPU.top=1", "cpusample_ms=1"}) {
    auto r = parse_arg_override(bad);
    CHECK_FALSE(r.has_value());
    if (!r) CHECK(r.error().detail.find("expected NAME.KEY=VALUE") != std::string::npos);
  }
  std::vector<ProbeInvocation> calls{{"cpu", {{{"top", "2"}}}, std::nullopt, 1}};
  apply_arg_overrides(calls, {{"cpu", "top", "7"}, {"cpu", "sample_ms", "50"}, {"network", "resolve", "localhost"}});
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].args.get("top") == "7");
  CHECK(calls[0].args.get("sample_ms") == "50");
  CHECK(calls[1].name == "network");
  CHECK(calls[1].args.get("resolve") == "localhost");
}

}  // namespace elfdesk::probes
