// Message <-> bytes. encode_* never produce a frame a conforming decoder would reject; decode_* never
// read past the input, never trust a length, and reject trailing bytes. Pure functions, any thread: the
// one piece of context, the PictureBase a PixelPatch is relative to, is passed in by the caller.
#pragma once
#include <cstdint>
#include <expected>
#include <optional>
#include <utility>
#include <span>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/frame.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::protocol {

// What a PixelPatch's compact fields are relative to: the previous picture update (VideoFrame,
// PixelUpdate, PixelPatch, RegionFrame, ScaledFrame) on the same connection, in wire order. Each end of a connection
// keeps one per direction and note()s every picture update it writes or reads, after encoding or
// decoding it; a new connection (a resume) starts from a default base. With the default base, frame id
// and capture time are absolute and the geometry is always written (stateless callers, the fuzzer).
//
// It also holds the recent small PixelPatch data (capability kPatchRecall): a patch whose data and
// rectangle sizes equal one of the last kRecallSlots distinct ones goes as that slot's number instead of
// the data (a letter typed again, a cursor blinking, a marker flipping back). Both ends fill the slots the
// same way, from the patches they note(): each small one whose data is not there yet takes the next slot
// in turn. The writing end recalls only when `recall` is set (the peer's Hello has kPatchRecall); the
// reading end always takes a recall that names a filled slot whose sizes match.
inline constexpr std::size_t kRecallSlots = 32;
inline constexpr std::size_t kRecallMaxData = 512;  // larger data is not kept: it rarely repeats exactly
struct RecalledData {
  std::vector<std::pair<std::uint16_t, std::uint16_t>> sizes;  // each rectangle's width and height
  PixelFormat format = PixelFormat::bits;
  bool compressed = false;
  std::uint32_t raw_size = 0;
  Bytes data;
  friend bool operator==(const RecalledData&, const RecalledData&) = default;
};
struct PictureBase {
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;
  std::uint16_t width = 0;
  std::uint16_t height = 0;
  bool recall = false;                  // writing end: PixelPatch data may go as a slot number
  std::vector<RecalledData> slots;      // up to kRecallSlots, filled in turn
  std::size_t next_slot = 0;
  void note(const Message& message);  // a picture update moves the base to it; other messages do nothing
  // The slot holding exactly this patch's data and rectangle sizes, if any.
  std::optional<std::size_t> find(const PixelPatch& patch) const;
  friend bool operator==(const PictureBase&, const PictureBase&) = default;
};

// Payload only (no frame header). Fails when a field exceeds its limit (e.g. text too long).
std::expected<std::vector<std::uint8_t>, Error> encode_payload(const Message& message, const PictureBase& base = {});
// Header + payload, ready for the wire.
std::expected<std::vector<std::uint8_t>, Error> encode_frame(const Message& message, const PictureBase& base = {});

// The largest payload a conforming sender can produce for this type id: video frames, probe results,
// clipboard and cursor shapes get their own caps, every other (and every unknown) type
// limits::kMaxControlPayload. FrameDecoder applies it at header time (CapPolicy::per_type).
std::size_t max_payload_for(std::uint16_t type);

// unknown_type for ids this version does not know; truncated/oversized/malformed for bad payloads.
std::expected<Message, Error> decode_payload(std::uint16_t type, std::span<const std::uint8_t> payload,
                                             const PictureBase& base = {});
inline std::expected<Message, Error> decode_frame(const Frame& frame, const PictureBase& base = {}) {
  return decode_payload(frame.type, frame.payload, base);
}

}  // namespace elfdesk::protocol
