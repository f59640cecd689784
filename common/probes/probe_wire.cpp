#include "common/probes/probe_wire.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::probes {
namespace {

// A probe's time is bounded by the runner (a minute at most); anything beyond a day is not a real report,
// and an infinite or huge value would not survive the JSON round trip (it dumps as null).
constexpr double kMaxElapsedMs = 24.0 * 3600 * 1000;

Error malformed(std::string detail) { return make_error(ErrorCode::malformed, std::move(detail)); }

}  // namespace

// Real reports nest a few levels; copying and destroying a JSON value recurses, so a peer's 4 MiB of '['
// must be refused before it is parsed.
int json_nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string truncate_utf8(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

protocol::ProbeRequest make_probe_request(std::uint32_t request_id, const ProbeInvocation& call) {
  protocol::ProbeRequest request{request_id, call.name, {}};
  request.args.reserve(call.args.items.size());
  for (const auto& [key, value] : call.args.items) request.args.push_back({key, value});
  return request;
}

ProbeInvocation invocation_from_request(const protocol::ProbeRequest& request) {
  ProbeInvocation call{request.name, {}, std::nullopt, 0};
  call.args.items.reserve(request.args.size());
  for (const auto& arg : request.args) call.args.items.emplace_back(arg.key, arg.value);
  return call;
}

protocol::ProbeResult make_probe_result(std::uint32_t request_id, const ProbeReport& report) {
  // Replacing invalid UTF-8 (a probe may quote a file) instead of throwing: this runs on a worker thread.
  const std::string json = nlohmann::json(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (json.size() > limits::kMaxProbeResultBytes) {
    protocol::ProbeResult failed = make_rejected_result(
        request_id, "the report of " + std::to_string(json.size()) + " bytes exceeds the result limit");
    return failed;
  }
  protocol::ProbeResult result;
  result.request_id = request_id;
  result.status = protocol::ProbeStatus::ok;
  result.worst_severity = static_cast<std::uint8_t>(report.worst);
  result.json_size = static_cast<std::uint32_t>(json.size());
  result.json_zstd = zstd_compress(json);
  return result;
}

protocol::ProbeResult make_rejected_result(std::uint32_t request_id, std::string why) {
  protocol::ProbeResult result;
  result.request_id = request_id;
  result.status = protocol::ProbeStatus::error;
  result.worst_severity = static_cast<std::uint8_t>(Severity::unknown);
  result.error = truncate_utf8(std::move(why), limits::kMaxProbeErrorText);
  return result;
}

std::expected<ReceivedReport, Error> read_probe_result(const protocol::ProbeResult& result) {
  if (result.status != protocol::ProbeStatus::ok) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      result.error.empty() ? std::string("rejected without a reason") : result.error));
  }
  if (result.json_size > limits::kMaxProbeResultBytes) {
    return std::unexpected(make_error(ErrorCode::oversized, "unreadable result: it announces " +
                                                                std::to_string(result.json_size) + " bytes of JSON"));
  }
  auto text = zstd_decompress_text(result.json_zstd, limits::kMaxProbeResultBytes);
  if (!text) return std::unexpected(make_error(text.error().code, "unreadable result: " + text.error().detail));
  if (text->size() != result.json_size) {
    return std::unexpected(malformed("unreadable result: " + std::to_string(text->size()) + " bytes of JSON, " +
                                     std::to_string(result.json_size) + " announced"));
  }
  if (json_nesting(*text) > kMaxJsonNesting) {
    return std::unexpected(malformed("unexpected result: JSON nested deeper than " + std::to_string(kMaxJsonNesting)));
  }
  auto document = nlohmann::json::parse(*text, nullptr, false);
  if (document.is_discarded()) return std::unexpected(malformed("result is not valid JSON"));
  auto report = report_from_json(document);
  if (!report) return std::unexpected(malformed("unexpected result: " + report.error().detail));
  if (static_cast<std::uint8_t>(report->worst) != result.worst_severity) {
    return std::unexpected(malformed("unexpected result: severity " + std::to_string(result.worst_severity) +
                                     " announced, the report says " + std::string(to_string(report->worst))));
  }
  if (!std::isfinite(report->elapsed_ms) || report->elapsed_ms < 0 || report->elapsed_ms > kMaxElapsedMs) {
    return std::unexpected(malformed("unexpected result: elapsed time out of range"));
  }
  return ReceivedReport{std::move(*report), std::move(document)};
}

}  // namespace elfdesk::probes
