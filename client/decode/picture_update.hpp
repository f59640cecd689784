// What the viewer's network thread hands on, in the order the host sent it: a decoded VP8 picture with
// the areas it changes, or exact pixels for some rectangles (PixelUpdate). Value types; any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <variant>
#include <vector>

#include "common/image.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

// Pixels the viewer already shows, moved (a scroll): `source` goes to the same size at (to_x, to_y).
struct PictureCopy {
  Rect source;
  int to_x = 0, to_y = 0;
  friend bool operator==(const PictureCopy&, const PictureCopy&) = default;
};

struct VideoUpdate {
  I420Image image;
  std::vector<Rect> coded;           // where the picture is to be taken; empty: everywhere
  std::vector<PictureCopy> copies;   // applied first, in order
};

struct PixelsUpdate {
  int width = 0, height = 0;  // the screen the rectangles lie in
  std::vector<Rect> rects;
  std::vector<std::uint8_t> bgra;  // each rectangle's rows in turn, 4 bytes per pixel
  std::vector<PictureCopy> copies;  // applied first, in order (a scroll whose new lines are these pixels)
};

// Where a picture came from and what it cost so far: all its acknowledgement and the statistics need.
struct PictureStamp {
  std::uint64_t frame_id = 0;
  std::uint64_t decoded_time_us = 0;  // local monotonic clock when it was ready
  std::uint32_t decode_us = 0;        // receipt to decoded (or unpacked), local
  protocol::FrameTimings timings;     // the host's capture, encode and queue times
};

// The message that carried a picture whose content is pixels: region and scaled frames are VP8 that the
// receiver has already turned into exact-pixel rectangles. For the frame trace's "kind" only.
enum class PixelsFrom : char { pixels = 'p', region = 'r', scaled = 's' };

struct PictureUpdate {
  std::variant<VideoUpdate, PixelsUpdate> content;
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;  // host monotonic clock
  std::uint64_t decoded_time_us = 0;  // local monotonic clock when it was ready
  std::uint32_t decode_us = 0;        // receipt to decoded (or unpacked), local
  protocol::FrameTimings timings;     // the host's capture, encode and queue times
  std::size_t wire_bytes = 0;         // compressed size as received
  PixelsFrom pixels_from = PixelsFrom::pixels;

  PictureStamp stamp() const { return {frame_id, decoded_time_us, decode_us, timings}; }
};

std::vector<Rect> to_rects(const std::vector<protocol::ScreenRect>& rects);
std::vector<PictureCopy> to_copies(const std::vector<protocol::ScreenCopy>& copies);

// Decompresses a PixelUpdate (the codec has already checked its rectangles against its screen size and
// raw_size against them) and expands a palette to BGRA; fails (malformed) on corrupt data, a size other
// than announced, a palette of 0 or more than 256 colours or not matching the area, or an index beyond it.
std::expected<PixelsUpdate, Error> unpack(const protocol::PixelUpdate& update);
// The same for a PixelPatch: its data may be raw, and may be in PixelFormat::bits (1..16 colours).
std::expected<PixelsUpdate, Error> unpack(const protocol::PixelPatch& patch);

}  // namespace elfdesk::client
