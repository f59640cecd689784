// libFuzzer entry point over the probe wire module (common/probes/probe_wire): what a peer can send as a
// ProbeResult or ProbeRequest. Checks that nothing throws or crashes, that errors are of the documented
// kinds, and the round trip: whatever reads must re-encode to a result that reads back to the same report,
// and encoding that again gives the same bytes. Input byte 0 picks the mode (see docs/probes.md). Aborts
// on any violated invariant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "common/probes/probe_wire.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/codec.hpp"

namespace p = elfdesk::protocol;
namespace probes = elfdesk::probes;
using elfdesk::ErrorCode;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_probe_wire invariant violated: %s\n", what);
  std::abort();
}

std::string dumped(const probes::ProbeReport& report) { return nlohmann::json(report).dump(); }

void check_result(const p::ProbeResult& result) {
  auto read = probes::read_probe_result(result);
  if (!read) {
    const ErrorCode code = read.error().code;
    if (probes::is_rejection(read.error()) != (result.status != p::ProbeStatus::ok)) fail("rejection misreported");
    if (result.status == p::ProbeStatus::ok && code != ErrorCode::malformed && code != ErrorCode::oversized &&
        code != ErrorCode::truncated) {
      fail("unexpected error code for an unreadable result");
    }
    if (read.error().detail.empty()) fail("an error without a detail");
    return;
  }
  // decode -> encode -> decode gives the same report, and encoding is stable from then on.
  const p::ProbeResult again = probes::make_probe_result(result.request_id, read->report);
  if (again.status != p::ProbeStatus::ok) fail("a report that was read does not re-encode");
  if (!p::encode_payload(p::Message(again))) fail("a re-encoded result cannot be sent");
  auto reread = probes::read_probe_result(again);
  if (!reread) fail("a re-encoded result does not read back");
  if (dumped(reread->report) != dumped(read->report)) fail("the report changed on the round trip");
  if (!(probes::make_probe_result(result.request_id, reread->report) == again)) fail("encoding is not stable");
}

void check_request(const p::ProbeRequest& request) {
  const probes::ProbeInvocation call = probes::invocation_from_request(request);
  if (!(probes::make_probe_request(request.request_id, call) == request)) fail("request round trip differs");
}

template <class M>
void check_payload(std::span<const std::uint8_t> payload) {
  const auto type = static_cast<std::uint16_t>(p::type_of(p::Message(M{})));
  auto decoded = p::decode_payload(type, payload);
  if (!decoded) return;  // the protocol fuzzer covers the codec's errors
  if constexpr (std::is_same_v<M, p::ProbeResult>) check_result(std::get<M>(*decoded));
  else check_request(std::get<M>(*decoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::span<const std::uint8_t> input(data, size);
  switch (input[0] % 3) {
    case 0: {
      // JSON mode: byte 1 is the announced severity, the rest the report text, compressed as the host does.
      const std::string json(reinterpret_cast<const char*>(data + 2), size - 2);
      p::ProbeResult result{7, p::ProbeStatus::ok, input[1], static_cast<std::uint32_t>(json.size()),
                            elfdesk::zstd_compress(json), {}};
      check_result(result);
      break;
    }
    case 1: check_payload<p::ProbeResult>(input.subspan(1)); break;  // a ProbeResult payload from the wire
    default: check_payload<p::ProbeRequest>(input.subspan(1)); break;  // a ProbeRequest payload
  }
  return 0;
}
