// Message <-> bytes. encode_* never produce a frame a conforming decoder would reject; decode_* never
// read past the input, never trust a length, and reject trailing bytes. Pure functions, any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <span>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::protocol {

// Payload only (no frame header). Fails when a field exceeds its limit (e.g. text too long).
std::expected<std::vector<std::uint8_t>, Error> encode_payload(const Message& message);
// Header + payload, ready for the wire.
std::expected<std::vector<std::uint8_t>, Error> encode_frame(const Message& message);

// The largest payload a conforming sender can produce for this type id: video frames, probe results,
// clipboard and cursor shapes get their own caps, every other (and every unknown) type
// limits::kMaxControlPayload. FrameDecoder applies it at header time (CapPolicy::per_type).
std::size_t max_payload_for(std::uint16_t type);

// unknown_type for ids this version does not know; truncated/oversized/malformed for bad payloads.
std::expected<Message, Error> decode_payload(std::uint16_t type, std::span<const std::uint8_t> payload);
inline std::expected<Message, Error> decode_frame(const Frame& frame) {
  return decode_payload(frame.type, frame.payload);
}

}  // namespace elfdesk::protocol
