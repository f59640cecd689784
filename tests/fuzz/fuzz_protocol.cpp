// libFuzzer entry point over the whole receive path: FrameDecoder (with an input-chosen split) and
// decode_payload, plus the canonical-encoding check: anything that decodes must re-encode to the same
// bytes. Input byte 0 picks the mode (see docs/protocol.md, "Fuzzing"). Aborts on any violated invariant.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/frame.hpp"

namespace p = elfdesk::protocol;
using elfdesk::ErrorCode;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_protocol invariant violated: %s\n", what);
  std::abort();
}

// Decodes one payload against `base` (what a PixelPatch is relative to); on success the message must
// re-encode against the same base to exactly these bytes and decode again. A decoded picture update then
// moves the base, as in the Connection's reader.
void check_payload(std::uint16_t type, std::span<const std::uint8_t> payload, p::PictureBase& base) {
  auto decoded = p::decode_payload(type, payload, base);
  const bool known = p::is_known_type(type);
  if (!decoded) {
    const ErrorCode code = decoded.error().code;
    if (known != (code != ErrorCode::unknown_type)) fail("unknown_type reported for the wrong type ids");
    if (known && code != ErrorCode::truncated && code != ErrorCode::malformed && code != ErrorCode::oversized) {
      fail("unexpected error code from decode_payload");
    }
    return;
  }
  if (!known) fail("unknown type decoded");
  if (static_cast<std::uint16_t>(p::type_of(*decoded)) != type) fail("decoded message has another type");
  auto frame = p::encode_frame(*decoded, base);
  if (!frame) fail("a decoded message does not re-encode");
  const std::span<const std::uint8_t> reencoded = std::span(*frame).subspan(elfdesk::limits::kFrameHeaderSize);
  if (!std::equal(reencoded.begin(), reencoded.end(), payload.begin(), payload.end())) {
    fail("re-encoding differs from the decoded bytes");
  }
  auto again = p::decode_payload(type, reencoded, base);
  if (!again || !(*again == *decoded)) fail("re-encoded message does not decode to the same value");
  base.note(*decoded);
}

void fuzz_stream(std::size_t chunk, std::span<const std::uint8_t> stream) {
  p::FrameDecoder decoder;
  p::PictureBase base;
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    decoder.feed(stream.subspan(offset, std::min(chunk, stream.size() - offset)));
    while (true) {
      auto next = decoder.next();
      if (!next) {
        const ErrorCode code = next.error().code;
        if (code != ErrorCode::oversized && code != ErrorCode::malformed) fail("unexpected FrameDecoder error");
        if (decoder.buffered() != 0) fail("FrameDecoder keeps bytes after an error");
        return;
      }
      if (!next->has_value()) break;
      const p::Frame& frame = **next;
      if (frame.payload.size() > p::max_payload_for(frame.type)) fail("frame over its per-type cap delivered");
      check_payload(frame.type, frame.payload, base);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data, size);
  const std::uint8_t mode = input[0];
  if ((mode & 1) == 0) {
    // Stream mode: the rest is a byte stream fed in chunks of (mode >> 1) + 1 bytes.
    fuzz_stream(static_cast<std::size_t>(mode >> 1) + 1, input.subspan(1));
  } else if (size >= 3) {
    // Payload mode: bytes 1-2 are the type id (big-endian), the rest is the payload.
    p::PictureBase base;
    check_payload(static_cast<std::uint16_t>((input[1] << 8) | input[2]), input.subspan(3), base);
  }
  return 0;
}
