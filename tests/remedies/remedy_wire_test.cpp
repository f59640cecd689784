// The remedy wire: calls and reports round-trip through the real codec; rejections carry their reason;
// every broken result is a clear error that is not a rejection.
#include <doctest/doctest.h>

#include "common/remedies/remedy_wire.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/codec.hpp"

using namespace elfdesk::remedies;
namespace p = elfdesk::protocol;
using elfdesk::ErrorCode;

namespace {

template <class M>
M through_codec(const M& message) {
  auto bytes = p::encode_payload(p::Message(message));
  REQUIRE(bytes.has_value());
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::type_of(p::Message(message))), *bytes);
  REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : decoded.error().detail));
  return std::get<M>(*decoded);
}

RemedyReport sample_report() {
  RemedyReport r;
  r.remedy = "empty_trash";
  r.outcome = Outcome::done;
  r.summary = "deleted 1.2 GB in your Trash (412 of 412 files)";
  r.question = "delete 1.2 GB in your Trash (412 files)";
  r.consent = "asked: allowed";
  r.touched = {1'200'000'000, 412, nlohmann::json::array()};
  r.effects.push_back({"disk", "/home", "%", 97.0, 61.0, "/home: 97% -> 61%"});
  return r;
}

elfdesk::ErrorCode read_error(const p::RemedyResult& result, std::string* detail = nullptr) {
  auto read = read_remedy_result(result);
  REQUIRE_FALSE(read.has_value());
  if (detail) *detail = read.error().detail;
  return read.error().code;
}

}  // namespace

TEST_CASE("a call round-trips through RemedyRequest and the codec") {
  const RemedyCall call{"terminate_process", {{{"pid", "4242"}, {"grace_ms", "500"}}}, true};
  const auto request = through_codec(make_remedy_request(9, call));
  CHECK(request.request_id == 9);
  const RemedyCall back = call_from_request(request);
  CHECK(back.name == call.name);
  CHECK(back.args == call.args);
  CHECK(back.dry_run);
}

TEST_CASE("a report round-trips; text shows the summary, before -> after and what was touched") {
  const auto result = through_codec(make_remedy_result(3, sample_report()));
  auto read = read_remedy_result(result);
  REQUIRE(read.has_value());
  CHECK(read->outcome == Outcome::done);
  CHECK(read->document["summary"] == "deleted 1.2 GB in your Trash (412 of 412 files)");
  CHECK(read->document["effects"][0]["text"] == "/home: 97% -> 61%");
  const std::string text = format_remedy_text(read->document);
  CHECK(text.find("empty_trash: done: deleted 1.2 GB") == 0);
  CHECK(text.find("  /home: 97% -> 61%\n") != std::string::npos);
  CHECK(text.find("touched: 1.2 GB in 412 files") != std::string::npos);
  // Encoding what was read gives the same bytes.
  CHECK(make_remedy_result(3, read->outcome, read->document) == result);
}

TEST_CASE("a declined or dry-run report says what it would have touched, not that it touched it") {
  // Seen by hand: "empty_trash: declined: ..." followed by "touched: 921.6 KB in 3 files".
  for (const Outcome outcome : {Outcome::declined, Outcome::dry_run}) {
    RemedyReport r = sample_report();
    r.outcome = outcome;
    const std::string text = format_remedy_text(nlohmann::json(r));
    CHECK(text.find("  would touch: 1.2 GB in 412 files\n") != std::string::npos);
    CHECK(text.find("  touched:") == std::string::npos);
  }
}

TEST_CASE("a rejection carries its reason, cut at a character boundary") {
  auto rejected = through_codec(make_rejected_remedy(4, "remedies were not granted for this session"));
  std::string detail;
  CHECK(read_error(rejected, &detail) == ErrorCode::invalid_argument);
  CHECK(detail == "remedies were not granted for this session");
  const auto long_one = make_rejected_remedy(5, std::string(1023, 'x') + "é");
  CHECK(long_one.error.size() == 1023);
  CHECK(p::encode_payload(p::Message(long_one)).has_value());
}

TEST_CASE("broken results are clear errors, never rejections") {
  auto good = make_remedy_result(6, sample_report());
  std::string detail;
  auto bad_zstd = good;
  bad_zstd.json_zstd.assign(20, 0x28);
  CHECK(read_error(bad_zstd, &detail) != ErrorCode::invalid_argument);
  CHECK(detail.starts_with("unreadable remedy result"));
  auto wrong_size = good;
  wrong_size.json_size += 1;
  CHECK(read_error(wrong_size, &detail) == ErrorCode::malformed);
  auto other_outcome = good;
  other_outcome.outcome = Outcome::failed;
  CHECK(read_error(other_outcome, &detail) == ErrorCode::malformed);
  CHECK(detail == "unexpected remedy result: outcome failed announced, the report says done");
  auto as_result = [](const std::string& json) {
    return p::RemedyResult{1, Outcome::done, static_cast<std::uint32_t>(json.size()), elfdesk::zstd_compress(json), ""};
  };
  CHECK(read_error(as_result("not json"), &detail) == ErrorCode::malformed);
  CHECK(read_error(as_result(std::string(100, '[') + std::string(100, ']')), &detail) == ErrorCode::malformed);
  CHECK(detail.find("nested deeper than 64") != std::string::npos);
  CHECK(read_error(as_result(R"({"remedy": 1, "outcome": "done", "summary": "x"})"), &detail) == ErrorCode::malformed);
  CHECK(read_error(as_result(R"({"remedy": "x", "outcome": "rejected", "summary": "x"})")) == ErrorCode::malformed);
  CHECK(read_error(as_result(R"({"remedy": "x", "outcome": "done", "summary": "x", "effects": [1]})")) ==
        ErrorCode::malformed);
  // The codec refuses an unknown outcome and a rejection that carries a report.
  auto bytes = p::encode_payload(p::Message(good));
  REQUIRE(bytes.has_value());
  (*bytes)[4] = 9;
  CHECK_FALSE(p::decode_payload(41, *bytes).has_value());
  auto rejected_with_report = good;
  rejected_with_report.outcome = Outcome::rejected;
  CHECK_FALSE(p::encode_payload(p::Message(rejected_with_report)).has_value());
}

TEST_CASE("exit codes of elfdesk fix") {
  CHECK(exit_code_for(Outcome::done) == 0);
  CHECK(exit_code_for(Outcome::dry_run) == 0);
  CHECK(exit_code_for(Outcome::declined) == 12);
  CHECK(exit_code_for(Outcome::rejected) == 3);
  for (Outcome o : {Outcome::failed, Outcome::not_available, Outcome::needs_administrator}) CHECK(exit_code_for(o) == 4);
}
