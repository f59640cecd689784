// Remedy calls and their answers to and from the wire (RemedyRequest, RemedyResult), like probe_wire for
// probes: the one place where the host and `elfdesk fix` meet the message format, so every check of what
// a peer sent exists once. Pure functions on values; any thread.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>

#include "common/remedies/remedy_runner.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::remedies {

protocol::RemedyRequest make_remedy_request(std::uint32_t request_id, const RemedyCall& call);
RemedyCall call_from_request(const protocol::RemedyRequest& request);

// Host: the report as a result (its outcome, JSON, zstd); details are dropped if the report would exceed
// limits::kMaxRemedyResultBytes. A rejection (unknown remedy, bad argument, not granted) carries only why.
protocol::RemedyResult make_remedy_result(std::uint32_t request_id, const RemedyReport& report);
protocol::RemedyResult make_remedy_result(std::uint32_t request_id, Outcome outcome, const nlohmann::json& document);
protocol::RemedyResult make_rejected_remedy(std::uint32_t request_id, std::string why);

struct ReceivedRemedy {
  Outcome outcome = Outcome::done;
  nlohmann::json document;  // the report as the host sent it (remedy, outcome, summary, effects, touched, ...)
};

// Engineer: reads a RemedyResult. invalid_argument when the host rejected the call (detail: its reason);
// malformed or oversized, with a sentence saying what, when it cannot be read (bad zstd, size not as
// announced, not JSON or nested too deep, not a remedy report, outcome other than announced).
std::expected<ReceivedRemedy, Error> read_remedy_result(const protocol::RemedyResult& result);

// The report for a person: the summary, then "before -> after" and what was touched, one per line.
std::string format_remedy_text(const nlohmann::json& document);

// Exit status of `elfdesk fix`: 0 done or dry run, 12 declined, 4 failed / not available / needs administrator.
int exit_code_for(Outcome outcome);

}  // namespace elfdesk::remedies
