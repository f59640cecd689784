// The other way to send a change: exact pixels, zstd-compressed. For small changes (a typed character,
// a blinking cursor, a ticking clock) a VP8 delta of a 1080p screen costs a floor of about 200 bytes
// (every macroblock is signalled) and blurs glyphs until the top-off; their pixels compress to less and
// are exact at once. Decides per update whether it pays off. Pure; used on the video thread.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "common/image.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct PixelPolicy {
  int max_pixels = 128 * 128;         // more than this changing at once is motion: VP8 does it better
  std::size_t floor_bytes = 256;      // about what the smallest VP8 delta costs at 1080p (bench/encoder)
  double max_bytes_per_pixel = 0.5;   // text and flat UI compress far below; photos far above
  // Empty: the smaller of BGRA and (for up to 256 colours) palette. Set: that format only (palette when
  // it applies, else BGRA), for tests and comparisons.
  std::optional<protocol::PixelFormat> format;
  // The viewer takes PixelPatch (capability kPixelPatch): up to 16 colours may also go as
  // PixelFormat::bits, and data that zstd does not shrink goes raw (compressed = false).
  bool patch = false;
};

struct PixelEncoding {
  std::vector<Rect> rects;             // the given rectangles, clipped to the screen
  protocol::PixelFormat format = protocol::PixelFormat::bgra;  // see PixelPolicy::format
  std::uint32_t raw_size = 0;          // bytes before compression (see protocol::PixelFormat)
  bool compressed = true;              // bgra_zstd holds zstd of raw_size bytes, else those bytes (patch only)
  std::vector<std::uint8_t> bgra_zstd; // each rectangle's rows in turn, in `format`
};

// The change `dirty` of `image` as exact pixels, or std::nullopt when it is too large, has too many
// rectangles, or compresses worse than floor_bytes + max_bytes_per_pixel per pixel (then VP8 is cheaper).
// Up to 256 distinct colours may go as a palette and an index byte per pixel, when that is smaller; with
// policy.patch up to 16 as bit-packed indices, and the data raw when zstd would not make it smaller.
std::optional<PixelEncoding> encode_pixels(const BgraImage& image, std::span<const Rect> dirty,
                                           const PixelPolicy& policy = {});

// `area` cut along a grid of kExactTile squares (block-aligned areas give block-aligned pieces), and the
// pieces of each tile judged together: those of tiles encode_pixels takes under `policy` (text, flat UI,
// gradients) and those of the rest (photos, video), tile by tile in reading order. Lets a refinement send
// each part the way it ends best. Stops before the tile that would take the exact part over
// `max_exact_pixels` or limits::kMaxUpdateRects rectangles (one update's worth): later tiles are in
// neither list, and nobody pays for judging tiles that cannot go out now anyway.
inline constexpr int kExactTile = 128;
struct TileSplit {
  std::vector<Rect> exact;
  std::vector<Rect> lossy;
};
TileSplit split_exact_tiles(const BgraImage& image, std::span<const Rect> area, const PixelPolicy& policy,
                            long max_exact_pixels = std::numeric_limits<long>::max());

}  // namespace elfdesk::host
