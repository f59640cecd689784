#include "common/remedies/remedy_wire.hpp"

#include <fmt/format.h>

#include "common/probes/probe_wire.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::remedies {
namespace {

Error malformed(std::string detail) { return make_error(ErrorCode::malformed, std::move(detail)); }

std::string dump(const nlohmann::json& document) {
  // Replacing invalid UTF-8 (a file name may be anything) instead of throwing: this runs on a worker thread.
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What every report must hold for `fix` to print it; the rest is shown as is (--json).
std::optional<std::string> check_document(const nlohmann::json& d, Outcome announced) {
  if (!d.is_object()) return "a remedy report is a JSON object";
  for (const char* key : {"remedy", "outcome", "summary"})
    if (!d.contains(key) || !d[key].is_string()) return fmt::format("'{}' is missing or not a string", key);
  const auto outcome = outcome_from_string(d["outcome"].get<std::string>());
  if (!outcome || *outcome == Outcome::rejected) return "unknown outcome '" + d["outcome"].get<std::string>() + "'";
  if (*outcome != announced) return fmt::format("outcome {} announced, the report says {}", to_string(announced),
                                                to_string(*outcome));
  if (d.contains("effects")) {
    if (!d["effects"].is_array()) return "'effects' is not a list";
    for (const auto& e : d["effects"])
      if (!e.is_object() || !e.contains("text") || !e["text"].is_string()) return "an effect without its text";
  }
  if (d.contains("touched") && !d["touched"].is_object()) return "'touched' is not an object";
  return std::nullopt;
}

}  // namespace

protocol::RemedyRequest make_remedy_request(std::uint32_t request_id, const RemedyCall& call) {
  protocol::RemedyRequest request{request_id, call.name, {}, call.dry_run};
  for (const auto& [key, value] : call.args.items) request.args.push_back({key, value});
  return request;
}

RemedyCall call_from_request(const protocol::RemedyRequest& request) {
  RemedyCall call{request.name, {}, request.dry_run};
  for (const auto& arg : request.args) call.args.items.emplace_back(arg.key, arg.value);
  return call;
}

protocol::RemedyResult make_remedy_result(std::uint32_t request_id, Outcome outcome, const nlohmann::json& document) {
  const std::string json = dump(document);
  if (json.size() > limits::kMaxRemedyResultBytes)
    return make_rejected_remedy(request_id, fmt::format("the report of {} bytes exceeds the result limit", json.size()));
  protocol::RemedyResult result;
  result.request_id = request_id;
  result.outcome = outcome;
  result.json_size = static_cast<std::uint32_t>(json.size());
  result.json_zstd = zstd_compress(json);
  return result;
}

protocol::RemedyResult make_remedy_result(std::uint32_t request_id, const RemedyReport& report) {
  nlohmann::json document = report;
  if (dump(document).size() > limits::kMaxRemedyResultBytes) document["details"] = {{"truncated", true}};
  return make_remedy_result(request_id, report.outcome, document);
}

protocol::RemedyResult make_rejected_remedy(std::uint32_t request_id, std::string why) {
  protocol::RemedyResult result;
  result.request_id = request_id;
  result.outcome = Outcome::rejected;
  result.error = probes::truncate_utf8(why.empty() ? std::string("rejected") : std::move(why), limits::kMaxProbeErrorText);
  return result;
}

std::expected<ReceivedRemedy, Error> read_remedy_result(const protocol::RemedyResult& result) {
  if (result.outcome == Outcome::rejected)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      result.error.empty() ? std::string("rejected without a reason") : result.error));
  if (result.json_size > limits::kMaxRemedyResultBytes)
    return std::unexpected(make_error(ErrorCode::oversized, fmt::format("unreadable remedy result: it announces {} "
                                                                        "bytes of JSON", result.json_size)));
  auto text = zstd_decompress_text(result.json_zstd, limits::kMaxRemedyResultBytes);
  if (!text) return std::unexpected(make_error(text.error().code, "unreadable remedy result: " + text.error().detail));
  if (text->size() != result.json_size)
    return std::unexpected(malformed(fmt::format("unreadable remedy result: {} bytes of JSON, {} announced",
                                                 text->size(), result.json_size)));
  if (probes::json_nesting(*text) > probes::kMaxJsonNesting)
    return std::unexpected(malformed(fmt::format("unexpected remedy result: JSON nested deeper than {}",
                                                 probes::kMaxJsonNesting)));
  auto document = nlohmann::json::parse(*text, nullptr, false);
  if (document.is_discarded()) return std::unexpected(malformed("remedy result is not valid JSON"));
  if (auto problem = check_document(document, result.outcome))
    return std::unexpected(malformed("unexpected remedy result: " + *problem));
  return ReceivedRemedy{result.outcome, std::move(document)};
}

std::string format_remedy_text(const nlohmann::json& d) try {
  std::string out = fmt::format("{}: {}: {}\n", d.value("remedy", std::string("?")), d.value("outcome", std::string("?")),
                                d.value("summary", std::string()));
  for (const auto& e : d.value("effects", nlohmann::json::array()))
    if (!e.value("text", std::string()).empty()) out += "  " + e["text"].get<std::string>() + "\n";
  const auto touched = d.value("touched", nlohmann::json::object());
  const auto processes = touched.value("processes", nlohmann::json::array());
  // Declined or dry run: the report carries what the remedy would have touched, and nothing was.
  const std::string outcome = d.value("outcome", std::string());
  const char* verb = outcome == "declined" || outcome == "dry_run" ? "would touch" : "touched";
  if (touched.value("bytes", 0ull) > 0 || touched.value("files", 0ull) > 0)
    out += fmt::format("  {}: {} in {} files\n", verb, human_bytes(touched.value("bytes", 0ull)),
                       touched.value("files", 0ull));
  for (const auto& p : processes)
    out += fmt::format("  process {} ({}){}\n", p.value("pid", 0), p.value("name", std::string("?")),
                       p.contains("signal") ? ": " + p.value("signal", std::string()) : std::string());
  for (const auto& dir : d.value("details", nlohmann::json::object()).value("directories", nlohmann::json::array()))
    out += fmt::format("  {:>10}  {}\n", human_bytes(dir.value("bytes", 0ull)), dir.value("path", std::string()));
  if (!d.value("consent", std::string()).empty()) out += "  consent: " + d["consent"].get<std::string>() + "\n";
  return out;
} catch (const nlohmann::json::exception&) {
  // A host may send fields of other types than ours; the checked summary is always there.
  return fmt::format("{}: {}\n", d.value("remedy", std::string("?")), d.value("summary", std::string()));
}

int exit_code_for(Outcome outcome) {
  switch (outcome) {
    case Outcome::done:
    case Outcome::dry_run: return 0;
    case Outcome::declined: return 12;
    case Outcome::rejected: return 3;
    default: return 4;
  }
}

}  // namespace elfdesk::remedies
