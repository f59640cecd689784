// Probe calls and their answers to and from the wire (ProbeRequest, ProbeResult): the one place where the
// host, `elfdesk diag`, the viewer's triage panel and its control socket meet the message format. Pure
// functions on values; any thread. Every check of what a peer sent is here, so a bad result is one clear error.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>

#include "common/probes/probe.hpp"
#include "common/probes/probe_runner.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::probes {

// A call as a request and back. A time limit travels as its ordinary `time_limit_ms` argument (the host's
// runner takes it out), so only `name` and `args` cross the wire.
protocol::ProbeRequest make_probe_request(std::uint32_t request_id, const ProbeInvocation& call);
ProbeInvocation invocation_from_request(const protocol::ProbeRequest& request);

// Host: the answer to a call. A report (status ok; JSON, zstd, its size and worst severity), or the reason
// the call was rejected (status error, severity unknown): unknown probe, bad argument, not granted.
protocol::ProbeResult make_probe_result(std::uint32_t request_id, const ProbeReport& report);
protocol::ProbeResult make_rejected_result(std::uint32_t request_id, std::string why);

// A report as the host sent it: parsed, and the JSON document itself (saved or passed on as is).
struct ReceivedReport {
  ProbeReport report;
  nlohmann::json document;
};

// Engineer: reads a ProbeResult. Errors: invalid_argument when the host rejected the call (detail: its
// reason); malformed or oversized when the result cannot be read (bad zstd, size not as announced, not
// JSON or nested too deep, not a report, severity other than announced, elapsed time out of range),
// detail saying which.
std::expected<ReceivedReport, Error> read_probe_result(const protocol::ProbeResult& result);
inline bool is_rejection(const Error& error) { return error.code == ErrorCode::invalid_argument; }

// Deepest nesting of arrays and objects in JSON text (brackets inside strings do not count): a peer's JSON
// is refused above kMaxJsonNesting before it is parsed, because copying a JSON value recurses.
int json_nesting(std::string_view text);
inline constexpr int kMaxJsonNesting = 64;
// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence (the codec rejects broken UTF-8).
std::string truncate_utf8(std::string text, std::size_t max);

}  // namespace elfdesk::probes
