// The probe wire module: calls and reports survive the trip through ProbeRequest / ProbeResult (and the
// real codec), rejections keep their reason, and every kind of broken result is one clear error.
#include <doctest/doctest.h>

#include "common/probes/probe_wire.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/codec.hpp"

using namespace elfdesk;
using namespace elfdesk::probes;
namespace p = elfdesk::protocol;

namespace {

ProbeReport sample_report() {
  ProbeReport r;
  r.probe = "disk";
  r.data = {{"mounts", 3}, {"path", "/var/lib"}};
  r.findings.push_back(Finding{"disk", "free_space", Severity::critical, "/var is 99% full", 99});
  r.findings.push_back(Finding{"disk", "inodes", Severity::ok, "inodes fine", nullptr});
  r.worst = Severity::critical;
  r.elapsed_ms = 12.345;
  return r;
}

// Through the real codec, as it crosses the network.
template <class M>
M over_the_wire(const M& message) {
  auto payload = p::encode_payload(p::Message(message));
  REQUIRE(payload.has_value());
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::type_of(p::Message(message))), *payload);
  REQUIRE(decoded.has_value());
  return std::get<M>(*decoded);
}

p::ProbeResult result_with_json(const std::string& json, std::uint8_t severity) {
  p::ProbeResult r;
  r.request_id = 9;
  r.worst_severity = severity;
  r.json_size = static_cast<std::uint32_t>(json.size());
  r.json_zstd = zstd_compress(json);
  return r;
}

}  // namespace

TEST_CASE("probe wire: a call goes to a request and back unchanged, arguments in order") {
  const ProbeInvocation call{"network", {{{"resolve", "example.org"}, {"time_limit_ms", "800"}}}, std::nullopt, 0};
  const p::ProbeRequest request = over_the_wire(make_probe_request(77, call));
  CHECK(request.request_id == 77);
  CHECK(request.name == "network");
  REQUIRE(request.args.size() == 2);
  CHECK(request.args[1].key == "time_limit_ms");
  const ProbeInvocation back = invocation_from_request(request);
  CHECK(back.name == call.name);
  CHECK(back.args == call.args);
  CHECK(make_probe_request(77, back) == request);
}

TEST_CASE("probe wire: a report goes to a result and back with its document and severity") {
  const ProbeReport report = sample_report();
  const p::ProbeResult result = over_the_wire(make_probe_result(5, report));
  CHECK(result.status == p::ProbeStatus::ok);
  CHECK(result.worst_severity == 2);
  auto read = read_probe_result(result);
  REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().detail));
  CHECK(read->report.probe == "disk");
  CHECK(read->report.worst == Severity::critical);
  REQUIRE(read->report.findings.size() == 2);
  CHECK(read->report.findings[0].reason == "/var is 99% full");
  CHECK(read->report.elapsed_ms == doctest::Approx(12.345));
  CHECK(read->document == nlohmann::json(report));
  // Re-encoding what was read gives the same result (the fuzzer checks this for any input).
  CHECK(make_probe_result(5, read->report) == result);
}

TEST_CASE("probe wire: a rejected call keeps its reason, severity unknown, and reads as a rejection") {
  const p::ProbeResult result = over_the_wire(make_rejected_result(3, "unknown probe 'dsik' (known: disk, ...)"));
  CHECK(result.status == p::ProbeStatus::error);
  CHECK(result.worst_severity == static_cast<std::uint8_t>(Severity::unknown));
  auto read = read_probe_result(result);
  REQUIRE_FALSE(read.has_value());
  CHECK(is_rejection(read.error()));
  CHECK(read.error().detail == "unknown probe 'dsik' (known: disk, ...)");
  // A reason beyond the protocol's limit is cut at a character boundary, so the result can still be sent.
  std::string long_reason;
  while (long_reason.size() < 3000) long_reason += "é";
  const p::ProbeResult cut = make_rejected_result(4, long_reason);
  CHECK(cut.error.size() <= limits::kMaxProbeErrorText);
  CHECK(p::encode_payload(p::Message(cut)).has_value());
}

TEST_CASE("probe wire: broken results are clear errors, never rejections") {
  const std::string good = nlohmann::json(sample_report()).dump();
  auto error_of = [](const p::ProbeResult& r) {
    auto read = read_probe_result(r);
    REQUIRE_FALSE(read.has_value());
    CHECK_FALSE(is_rejection(read.error()));
    return read.error().detail;
  };
  p::ProbeResult bad_zstd = result_with_json(good, 2);
  bad_zstd.json_zstd.assign(40, 0x42);
  CHECK(error_of(bad_zstd).starts_with("unreadable result: "));
  p::ProbeResult wrong_size = result_with_json(good, 2);
  wrong_size.json_size += 1;
  CHECK(error_of(wrong_size).find("announced") != std::string::npos);
  p::ProbeResult huge = result_with_json(good, 2);
  huge.json_size = static_cast<std::uint32_t>(limits::kMaxProbeResultBytes + 1);
  CHECK(read_probe_result(huge).error().code == ErrorCode::oversized);
  CHECK(error_of(result_with_json("{not json", 0)) == "result is not valid JSON");
  CHECK(error_of(result_with_json("[1, 2]", 0)).starts_with("unexpected result: probe report:"));
  // Nesting that would make copying the document recurse deeply is refused before parsing; brackets
  // inside strings do not count.
  CHECK(error_of(result_with_json(std::string(5000, '[') + std::string(5000, ']'), 0)).find("nested deeper") !=
        std::string::npos);
  auto bracketed = nlohmann::json(sample_report());
  bracketed["data"]["text"] = std::string(500, '[');
  CHECK(read_probe_result(result_with_json(bracketed.dump(), 2)).has_value());
  CHECK(error_of(result_with_json(good, 1)).find("severity 1 announced") != std::string::npos);
  auto slow = nlohmann::json(sample_report());
  slow["elapsed_ms"] = 1e300;
  CHECK(error_of(result_with_json(slow.dump(), 2)).find("elapsed time") != std::string::npos);
  p::ProbeResult silent;
  silent.status = p::ProbeStatus::error;
  CHECK(read_probe_result(silent).error().detail == "rejected without a reason");
}
