// One diagnostic verdict (Finding) and its Severity, with JSON conversion and urgency ranking.
// Pure value types, any thread. Severity numbers are monitoring-plugin exit codes (0 ok .. 3 unknown).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::probes {

// Numeric values are the exit codes of `elfdesk diag` (Nagios/monitoring-plugin convention).
enum class Severity : std::uint8_t { ok = 0, warning = 1, critical = 2, unknown = 3 };

std::string_view to_string(Severity severity);                       // "ok", "warning", ...
std::expected<Severity, Error> severity_from_string(std::string_view text);
inline int exit_code(Severity severity) { return static_cast<int>(severity); }

// Ranking for humans: critical > warning > unknown > ok (an unknown is less urgent than a known problem).
int urgency(Severity severity);
// The more urgent of the two (by urgency(), not by numeric value).
Severity worse(Severity a, Severity b);

struct Finding {
  std::string probe;   // probe family that produced it, e.g. "disk"
  std::string check;   // what was checked, e.g. "space:/home"
  Severity severity = Severity::ok;
  std::string reason;  // one human sentence naming the object and the numbers
  nlohmann::json value;  // the measured value(s), null when not applicable
  // What to do (advice.hpp), for findings that are not ok: a sentence, and the suggested remedy as
  // {"name": ..., "args": {key: "value"}} or null when elfdesk cannot act on it. Left out of JSON when empty.
  std::string advice;
  nlohmann::json remedy;
  friend bool operator==(const Finding&, const Finding&) = default;
};

void to_json(nlohmann::json& out, const Finding& finding);
void from_json(const nlohmann::json& in, Finding& finding);  // throws nlohmann::json::exception
// Non-throwing parse for library callers.
std::expected<Finding, Error> finding_from_json(const nlohmann::json& in);

// Stable sort, most urgent first; ties keep their original order.
void rank_by_urgency(std::vector<Finding>& findings);
Severity worst_of(const std::vector<Finding>& findings);  // ok for an empty list

}  // namespace elfdesk::probes
