#include "host/encode/pixel_encoder.hpp"

#include "common/media/colour_convert.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {

std::optional<PixelEncoding> encode_pixels(const BgraImage& image, std::span<const Rect> dirty,
                                           const PixelPolicy& policy) {
  if (dirty.empty() || dirty.size() > limits::kMaxUpdateRects) return std::nullopt;
  PixelEncoding out;
  long pixels = 0;
  for (const Rect& r : dirty) {
    const Rect block = media::align_rect(r, 16, image.width, image.height);
    if (block.empty()) continue;
    pixels += static_cast<long>(block.width) * block.height;
    if (pixels > policy.max_pixels) return std::nullopt;
    out.rects.push_back(block);
  }
  if (out.rects.empty()) return std::nullopt;
  std::vector<std::uint8_t> raw;
  raw.reserve(static_cast<std::size_t>(pixels) * 4);
  for (const Rect& r : out.rects)
    for (int y = r.y; y < r.y + r.height; ++y) {
      const std::uint8_t* row = image.row(y) + static_cast<std::size_t>(r.x) * 4;
      raw.insert(raw.end(), row, row + static_cast<std::size_t>(r.width) * 4);
    }
  out.raw_size = static_cast<std::uint32_t>(raw.size());
  out.bgra_zstd = zstd_compress(raw, 1);  // level 1: ~0.1 ms for 64 KiB; text gains little from more
  const double budget = static_cast<double>(policy.floor_bytes) + policy.max_bytes_per_pixel * static_cast<double>(pixels);
  if (static_cast<double>(out.bgra_zstd.size()) > budget) return std::nullopt;
  return out;
}

}  // namespace elfdesk::host
