#include "host/encode/pixel_encoder.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "common/media/colour_convert.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {

namespace {

constexpr int kMaxColours = 256;

// Colour -> palette index in first-seen order, with an open-addressing table twice the palette's size
// (a few hundred ns for a 16x16 glyph block; ~20 us for 128x128). Gives up past kMaxColours.
class Palette {
 public:
  Palette() { slots_.fill(kEmpty); }
  // The index of `colour`, or -1 when it would be colour number kMaxColours + 1.
  int index_of(std::uint32_t colour) {
    if (colour == last_colour_ && last_index_ >= 0) return last_index_;  // runs of one colour are common
    std::size_t slot = (colour * 0x9E3779B1u) >> (32 - kBits);
    while (slots_[slot] != kEmpty && colours_[slots_[slot]] != colour) slot = (slot + 1) & (kSlots - 1);
    if (slots_[slot] == kEmpty) {
      if (count_ == kMaxColours) return -1;
      colours_[static_cast<std::size_t>(count_)] = colour;
      slots_[slot] = static_cast<std::uint16_t>(count_++);
    }
    last_colour_ = colour;
    last_index_ = slots_[slot];
    return last_index_;
  }
  int count() const { return count_; }
  std::uint32_t colour(int i) const { return colours_[static_cast<std::size_t>(i)]; }

 private:
  static constexpr int kBits = 9;
  static constexpr std::size_t kSlots = std::size_t{1} << kBits;
  static constexpr std::uint16_t kEmpty = 0xFFFF;
  std::array<std::uint16_t, kSlots> slots_{};
  std::array<std::uint32_t, kMaxColours> colours_{};
  int count_ = 0;
  std::uint32_t last_colour_ = 0;
  int last_index_ = -1;
};

// The palette form (see protocol::PixelFormat), or empty when the rectangles hold too many colours.
std::vector<std::uint8_t> palette_data(const BgraImage& image, const std::vector<Rect>& rects, long pixels) {
  Palette palette;
  std::vector<std::uint8_t> indices;
  indices.reserve(static_cast<std::size_t>(pixels));
  for (const Rect& r : rects)
    for (int y = r.y; y < r.y + r.height; ++y) {
      const std::uint8_t* px = image.row(y) + static_cast<std::size_t>(r.x) * 4;
      for (int x = 0; x < r.width; ++x, px += 4) {
        std::uint32_t colour;
        std::memcpy(&colour, px, 4);  // host byte order in and out: the bytes stay B, G, R, A
        const int index = palette.index_of(colour);
        if (index < 0) return {};
        indices.push_back(static_cast<std::uint8_t>(index));
      }
    }
  const int n = palette.count();
  std::vector<std::uint8_t> out(2 + 4 * static_cast<std::size_t>(n));
  out[0] = static_cast<std::uint8_t>(n >> 8);
  out[1] = static_cast<std::uint8_t>(n & 0xFF);
  for (int i = 0; i < n; ++i) {
    const std::uint32_t colour = palette.colour(i);
    std::memcpy(out.data() + 2 + 4 * static_cast<std::size_t>(i), &colour, 4);
  }
  out.insert(out.end(), indices.begin(), indices.end());
  return out;
}

// The bits form (see protocol::PixelFormat) of palette data with up to 16 colours, or empty for more.
std::vector<std::uint8_t> bits_data(const std::vector<std::uint8_t>& palette, long pixels) {
  const std::size_t n = std::size_t{palette[0]} << 8 | palette[1];
  if (n > 16) return {};
  const int bits = n == 1 ? 0 : n == 2 ? 1 : n <= 4 ? 2 : 4;
  const std::size_t colours = 4 * n;
  std::vector<std::uint8_t> out(1 + colours + (static_cast<std::size_t>(pixels) * static_cast<std::size_t>(bits) + 7) / 8);
  out[0] = static_cast<std::uint8_t>(n);
  std::memcpy(out.data() + 1, palette.data() + 2, colours);
  const std::uint8_t* index = palette.data() + 2 + colours;
  std::uint8_t* packed = out.data() + 1 + colours;
  for (std::size_t i = 0, bit = 0; bits > 0 && i < static_cast<std::size_t>(pixels); ++i, bit += static_cast<std::size_t>(bits))
    packed[bit / 8] |= static_cast<std::uint8_t>(index[i] << (8 - bits - static_cast<int>(bit % 8)));
  return out;
}

std::vector<std::uint8_t> bgra_data(const BgraImage& image, const std::vector<Rect>& rects, long pixels) {
  std::vector<std::uint8_t> raw;
  raw.reserve(static_cast<std::size_t>(pixels) * 4);
  for (const Rect& r : rects)
    for (int y = r.y; y < r.y + r.height; ++y) {
      const std::uint8_t* row = image.row(y) + static_cast<std::size_t>(r.x) * 4;
      raw.insert(raw.end(), row, row + static_cast<std::size_t>(r.width) * 4);
    }
  return raw;
}

// Small inputs (a few typed characters) get a stronger level: under 16 KiB level 5 costs ~10-130 us and
// saves a third against level 1 on text (whose matches are short); larger ones keep level 1 (~0.1 ms for
// 64 KiB), so a 128x128 change stays well under a millisecond.
std::vector<std::uint8_t> compress(const std::vector<std::uint8_t>& raw) {
  return zstd_compress(raw, raw.size() <= 16 * 1024 ? 5 : 1);
}

}  // namespace

std::optional<PixelEncoding> encode_pixels(const BgraImage& image, std::span<const Rect> dirty,
                                           const PixelPolicy& policy) {
  if (dirty.empty() || dirty.size() > limits::kMaxUpdateRects) return std::nullopt;
  PixelEncoding out;
  long pixels = 0;
  for (const Rect& r : dirty) {
    const Rect clipped = media::align_rect(r, 1, image.width, image.height);
    if (clipped.empty()) continue;
    pixels += static_cast<long>(clipped.width) * clipped.height;
    if (pixels > policy.max_pixels) return std::nullopt;
    out.rects.push_back(clipped);
  }
  if (out.rects.empty()) return std::nullopt;
  // Few colours (text, flat UI): the palette form when it is smaller. It usually is, by 5-15 % (zstd
  // finds BGRA's repeats well too); a two-colour block can come out a few bytes larger, hence both. For a
  // PixelPatch also the bits form, and each form raw when zstd does not shrink it (a glyph's bits are
  // ~20 bytes; zstd's frame alone costs ~10).
  using protocol::PixelFormat;
  const auto consider = [&](PixelFormat format, std::vector<std::uint8_t> raw) {
    std::vector<std::uint8_t> packed = compress(raw);
    const bool keep_raw = policy.patch && raw.size() <= packed.size();
    const std::size_t size = keep_raw ? raw.size() : packed.size();
    if (!out.bgra_zstd.empty() && size >= out.bgra_zstd.size()) return;
    out.format = format;
    out.raw_size = static_cast<std::uint32_t>(raw.size());
    out.compressed = !keep_raw;
    out.bgra_zstd = keep_raw ? std::move(raw) : std::move(packed);
  };
  const std::optional<PixelFormat> only = policy.format;
  std::vector<std::uint8_t> palette;
  if (only != PixelFormat::bgra) palette = palette_data(image, out.rects, pixels);
  const bool few_colours = !palette.empty();
  if (few_colours && policy.patch && (!only || only == PixelFormat::bits)) {
    if (std::vector<std::uint8_t> bits = bits_data(palette, pixels); !bits.empty())
      consider(PixelFormat::bits, std::move(bits));
  }
  if (few_colours && (!only || out.bgra_zstd.empty())) consider(PixelFormat::palette, std::move(palette));
  if (!few_colours || !only) consider(PixelFormat::bgra, bgra_data(image, out.rects, pixels));
  const double budget = static_cast<double>(policy.floor_bytes) + policy.max_bytes_per_pixel * static_cast<double>(pixels);
  if (static_cast<double>(out.bgra_zstd.size()) > budget) return std::nullopt;
  return out;
}

TileSplit split_exact_tiles(const BgraImage& image, std::span<const Rect> area, const PixelPolicy& policy,
                            long max_exact_pixels) {
  // The pieces of `area` in each grid tile, judged together: one encode per tile, however fragmented the
  // area (a video's still blocks are hundreds of small rectangles).
  const int cols = (image.width + kExactTile - 1) / kExactTile;
  std::map<int, std::vector<Rect>> tiles;  // row-major tile index -> its pieces; reading order
  for (const Rect& r : area) {
    const Rect clipped = media::align_rect(r, 1, image.width, image.height);
    for (int y = clipped.y; y < clipped.y + clipped.height; y = (y / kExactTile + 1) * kExactTile)
      for (int x = clipped.x; x < clipped.x + clipped.width; x = (x / kExactTile + 1) * kExactTile)
        tiles[y / kExactTile * cols + x / kExactTile].push_back(
            Rect{x, y, std::min((x / kExactTile + 1) * kExactTile, clipped.x + clipped.width) - x,
                 std::min((y / kExactTile + 1) * kExactTile, clipped.y + clipped.height) - y});
  }
  TileSplit out;
  long exact_pixels = 0;
  for (const auto& [index, pieces] : tiles) {
    long pixels = 0;
    for (const Rect& r : pieces) pixels += static_cast<long>(r.width) * r.height;
    if (exact_pixels + pixels > max_exact_pixels || out.exact.size() + pieces.size() > limits::kMaxUpdateRects)
      break;
    const bool exact = encode_pixels(image, pieces, policy).has_value();
    auto& into = exact ? out.exact : out.lossy;
    into.insert(into.end(), pieces.begin(), pieces.end());
    if (exact) exact_pixels += pixels;
  }
  return out;
}

}  // namespace elfdesk::host
