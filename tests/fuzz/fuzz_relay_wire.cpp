// libFuzzer entry point over the relay's rendezvous messages (protocol/relay_wire): what a stranger on the
// internet can send to elfdesk-relay, and what a relay can send to a host or an engineer. Checks that
// nothing crashes, that errors are of the documented kinds with a detail, and that whatever decodes
// re-encodes to the very same bytes (the encoding is canonical). Aborts on any violated invariant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "protocol/relay_wire.hpp"

namespace p = elfdesk::protocol;
using elfdesk::ErrorCode;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_relay_wire invariant violated: %s\n", what);
  std::abort();
}

void check_body(std::span<const std::uint8_t> body) {
  auto decoded = p::decode_relay_body(body);
  if (!decoded) {
    const ErrorCode code = decoded.error().code;
    if (code != ErrorCode::malformed && code != ErrorCode::truncated && code != ErrorCode::oversized &&
        code != ErrorCode::unknown_type) {
      fail("unexpected error code");
    }
    if (decoded.error().detail.empty()) fail("an error without a detail");
    return;
  }
  auto again = p::encode_relay_body(*decoded);
  if (!again) fail("a decoded message does not re-encode");
  if (again->size() != body.size() || !std::equal(again->begin(), again->end(), body.begin())) {
    fail("decode then encode changed the bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  // A stream of frames, as a connection delivers them: length prefix, then that many bytes.
  std::size_t at = 0;
  while (at + 2 <= input.size()) {
    auto length = p::relay_body_length(input[at], input[at + 1]);
    if (!length) {
      if (length.error().code != ErrorCode::malformed && length.error().code != ErrorCode::oversized)
        fail("unexpected length error");
      return 0;  // the relay closes such a connection
    }
    at += 2;
    if (at + *length > input.size()) return 0;  // waits for more bytes
    check_body(input.subspan(at, *length));
    at += *length;
  }
  return 0;
}
