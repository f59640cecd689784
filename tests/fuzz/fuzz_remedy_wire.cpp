// libFuzzer entry point over the remedy wire module (common/remedies/remedy_wire): what a peer can send as a
// RemedyResult or RemedyRequest. Checks that nothing throws or crashes, that errors are of the documented
// kinds, and the round trip: whatever reads re-encodes to a result that reads back to the same report, and
// encoding that again gives the same bytes; the text for a person can always be made. Input byte 0 picks
// the mode (0 report JSON with byte 1 the announced outcome, 1 a RemedyResult payload, 2 a RemedyRequest
// payload). Aborts on any violated invariant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "common/remedies/remedy_wire.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/codec.hpp"

namespace p = elfdesk::protocol;
namespace remedies = elfdesk::remedies;
using elfdesk::ErrorCode;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_remedy_wire invariant violated: %s\n", what);
  std::abort();
}

void check_result(const p::RemedyResult& result) {
  auto read = remedies::read_remedy_result(result);
  if (!read) {
    const ErrorCode code = read.error().code;
    const bool rejected = result.outcome == p::RemedyOutcome::rejected;
    if ((code == ErrorCode::invalid_argument) != rejected) fail("rejection misreported");
    if (!rejected && code != ErrorCode::malformed && code != ErrorCode::oversized && code != ErrorCode::truncated)
      fail("unexpected error code for an unreadable result");
    if (read.error().detail.empty()) fail("an error without a detail");
    return;
  }
  (void)remedies::format_remedy_text(read->document);  // must not throw whatever the fields' types
  const p::RemedyResult again = remedies::make_remedy_result(result.request_id, read->outcome, read->document);
  if (again.outcome != read->outcome) fail("a report that was read does not re-encode");
  if (!p::encode_payload(p::Message(again))) fail("a re-encoded result cannot be sent");
  auto reread = remedies::read_remedy_result(again);
  if (!reread) fail("a re-encoded result does not read back");
  if (reread->document.dump() != read->document.dump()) fail("the report changed on the round trip");
  if (!(remedies::make_remedy_result(result.request_id, reread->outcome, reread->document) == again))
    fail("encoding is not stable");
}

void check_request(const p::RemedyRequest& request) {
  const remedies::RemedyCall call = remedies::call_from_request(request);
  if (!(remedies::make_remedy_request(request.request_id, call) == request)) fail("request round trip differs");
  (void)remedies::builtin_catalogue().validate(call.name, call.args);  // any answer, never a crash
}

template <class M>
void check_payload(std::span<const std::uint8_t> payload) {
  const auto type = static_cast<std::uint16_t>(p::type_of(p::Message(M{})));
  auto decoded = p::decode_payload(type, payload);
  if (!decoded) return;  // the protocol fuzzer covers the codec's errors
  if constexpr (std::is_same_v<M, p::RemedyResult>) check_result(std::get<M>(*decoded));
  else check_request(std::get<M>(*decoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::span<const std::uint8_t> input(data, size);
  switch (input[0] % 3) {
    case 0: {
      const std::string json(reinterpret_cast<const char*>(data + 2), size - 2);
      const auto outcome = static_cast<p::RemedyOutcome>(1 + input[1] % 6);  // done .. needs_administrator
      check_result(p::RemedyResult{7, outcome, static_cast<std::uint32_t>(json.size()), elfdesk::zstd_compress(json), {}});
      break;
    }
    case 1: check_payload<p::RemedyResult>(input.subspan(1)); break;
    default: check_payload<p::RemedyRequest>(input.subspan(1)); break;
  }
  return 0;
}
