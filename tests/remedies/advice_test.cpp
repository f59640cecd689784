// Findings that say what to do: advice and the suggested remedy with its arguments, from the report's data;
// every suggested remedy is one the catalogue accepts as it stands.
#include <doctest/doctest.h>

#include "common/probes/advice.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/remedies/remedy.hpp"

using namespace elfdesk::probes;
using nlohmann::json;

namespace {

const Finding& only(const ProbeReport& r) {
  REQUIRE(r.findings.size() == 1);
  return r.findings[0];
}

void check_remedy_is_valid(const Finding& f) {
  REQUIRE(f.remedy.is_object());
  ProbeArgs args;
  for (const auto& [k, v] : f.remedy["args"].items()) args.items.emplace_back(k, v.get<std::string>());
  auto ok = elfdesk::remedies::builtin_catalogue().validate(f.remedy["name"].get<std::string>(), args);
  CHECK_MESSAGE(ok.has_value(), (ok ? "" : ok.error().detail));
}

}  // namespace

TEST_CASE("cpu: the busiest process is named and suggested for terminate_process") {
  ProbeReport r{"cpu", {{"top_consumers", {{{"pid", 4242}, {"name", "yes"}, {"cpu_percent", 99.0}}}}},
                {{"cpu", "utilisation", Severity::warning, "CPU 99% busy", 99.0}}, Severity::warning, 1};
  add_advice(r);
  const Finding& f = only(r);
  CHECK(f.advice == "The CPU is busy: yes (process 4242) uses the most; ask the customer to close it, or stop it.");
  CHECK(f.remedy == json{{"name", "terminate_process"}, {"args", {{"pid", "4242"}}}});
  check_remedy_is_valid(f);
  CHECK(remedy_command_args(f) == "--remedy terminate_process --arg pid=4242");
  const json j = f;
  CHECK(j["advice"] == f.advice);
  auto back = finding_from_json(j);
  REQUIRE(back.has_value());
  CHECK(*back == f);
}

TEST_CASE("disk, services, time: the full mount, the failed unit, time sync") {
  ProbeReport disk{"disk", json::object(),
                   {{"disk", "space:/home", Severity::critical, "/home has 2% free", 2.0},
                    {"disk", "space", Severity::ok, "3 filesystems checked", nullptr}}, Severity::critical, 1};
  add_advice(disk);
  CHECK(disk.findings[0].remedy == json{{"name", "largest_dirs"}, {"args", {{"path", "/home"}}}});
  check_remedy_is_valid(disk.findings[0]);
  CHECK(disk.findings[1].advice.empty());  // ok findings need nothing
  CHECK(disk.findings[1].remedy.is_null());
  CHECK_FALSE(json(disk.findings[1]).contains("advice"));

  ProbeReport units{"services_logs", {{"failed_units", {{{"unit", "backup.service"}}}}},
                    {{"services_logs", "failed_units", Severity::warning, "1 failed unit", nullptr}}, Severity::warning, 1};
  add_advice(units);
  CHECK(only(units).remedy == json{{"name", "restart_system_unit"}, {"args", {{"unit", "backup.service"}}}});
  check_remedy_is_valid(only(units));

  ProbeReport time{"time", json::object(), {{"time", "sync", Severity::warning, "not synchronised", nullptr}},
                   Severity::warning, 1};
  add_advice(time);
  CHECK(only(time).remedy == json{{"name", "enable_time_sync"}, {"args", json::object()}});
  check_remedy_is_valid(only(time));
}

TEST_CASE("triage lends the families' data: memory advice names the process using the most memory") {
  json data = {{"probes", {{"processes", {{"data", {{"top_memory", {{{"pid", 777}, {"name", "chromium"}}}}}}}}}}};
  ProbeReport triage{"triage", data, {{"memory", "available", Severity::critical, "3% available", 3.0}},
                     Severity::critical, 1};
  add_advice(triage);
  CHECK(only(triage).remedy == json{{"name", "terminate_process"}, {"args", {{"pid", "777"}}}});
  ProbeReport alone{"memory", json::object(), {{"memory", "available", Severity::critical, "3% available", 3.0}},
                    Severity::critical, 1};
  add_advice(alone);
  CHECK(only(alone).remedy.is_null());
  CHECK(only(alone).advice.find("elfdesk diag --probe processes") != std::string::npos);
}

TEST_CASE("every non-ok finding of a real triage carries advice, and every suggestion is a valid remedy call") {
  const ProbeRunner runner;
  auto report = runner.run({"triage", {{{"skip", "display,network"}}}, std::nullopt, 0});
  REQUIRE(report.has_value());
  for (const auto& f : report->findings) {
    CAPTURE(f.check);
    if (f.severity == Severity::ok) continue;
    CHECK_FALSE(f.advice.empty());
    if (!f.remedy.is_null()) check_remedy_is_valid(f);
  }
  const bool all_ok = worst_of(report->findings) == Severity::ok;
  const bool advised = format_report_text(*report).find("advice: ") != std::string::npos;
  CHECK(advised != all_ok);
}
