// Framing: an 8-byte header (type u16, flags u8, reserved u8, length u32, big-endian) then the payload.
// FrameDecoder accepts bytes in any split and rejects a length over the cap before allocating.
// Single-threaded value type; owned by whoever reads the stream (the Connection reader).
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::protocol {

struct FrameHeader {
  std::uint16_t type = 0;
  std::uint8_t flags = 0;  // reserved, must be 0 in version 1
  std::uint32_t length = 0;
};

struct Frame {
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  std::vector<std::uint8_t> payload;
};

// Appends header + payload to out. Fails (oversized) if payload exceeds limits::kMaxFramePayload or the
// per-type cap max_payload_for(type) (codec.hpp), so we never send what a per-type decoder refuses.
std::expected<void, Error> write_frame(std::vector<std::uint8_t>& out, std::uint16_t type,
                                       std::span<const std::uint8_t> payload);

std::expected<FrameHeader, Error> parse_frame_header(std::span<const std::uint8_t, limits::kFrameHeaderSize> bytes,
                                                     std::size_t max_payload = limits::kMaxFramePayload);

// How FrameDecoder caps a frame's length, checked as soon as its 8 header bytes have arrived.
enum class CapPolicy : std::uint8_t {
  per_type,  // min(max_payload, max_payload_for(type)): a Ping cannot make us buffer 8 MiB
  uniform,   // max_payload for every type (raw framing, e.g. tools and tests of the frame layer)
};

class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_payload = limits::kMaxFramePayload,
                        CapPolicy policy = CapPolicy::per_type)
      : max_payload_(max_payload), policy_(policy) {}

  // Buffers bytes. After an error every later call returns the same error (the stream is unusable).
  void feed(std::span<const std::uint8_t> bytes);
  // The next complete frame, std::nullopt if more bytes are needed, or the stream's error.
  std::expected<std::optional<Frame>, Error> next();
  std::size_t buffered() const { return buffer_.size() - consumed_; }
  // Caps every frame whose header is parsed from now on (a phase change: before authentication only
  // control-sized messages are expected, so no peer can make us buffer a video frame).
  void set_max_payload(std::size_t max_payload) { max_payload_ = max_payload; }

 private:
  std::size_t max_payload_;
  CapPolicy policy_;
  std::vector<std::uint8_t> buffer_;
  std::size_t consumed_ = 0;
  std::optional<Error> error_;
};

}  // namespace elfdesk::protocol
