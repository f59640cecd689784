// Synthetic images for the video tests and the encoder benchmark: text-like glyph grids, gradients and
// noise, all deterministic (seeded). Test-only helpers; any thread.
#pragma once
#include <cstdint>
#include <cstring>
#include <random>

#include "common/image.hpp"

namespace elfdesk::test {

inline void fill_rect(BgraImage& img, Rect r, std::uint32_t bgr) {
  for (int y = r.y; y < r.y + r.height; ++y) {
    for (int x = r.x; x < r.x + r.width; ++x) {
      std::uint8_t* p = img.row(y) + static_cast<std::size_t>(x) * 4;
      p[0] = static_cast<std::uint8_t>(bgr);
      p[1] = static_cast<std::uint8_t>(bgr >> 8);
      p[2] = static_cast<std::uint8_t>(bgr >> 16);
      p[3] = 0xff;
    }
  }
}

// Dark "glyphs" (random strokes in 8x16 cells) on a light background inside `area`, like a terminal.
inline void draw_text(BgraImage& img, Rect area, std::uint32_t seed) {
  std::mt19937 rng(seed);
  fill_rect(img, area, 0xf4f4f4);
  for (int cy = area.y + 2; cy + 14 <= area.y + area.height; cy += 16) {
    for (int cx = area.x + 1; cx + 7 <= area.x + area.width; cx += 8) {
      if (rng() % 7 == 0) continue;  // spaces
      for (int s = 0; s < 3; ++s) {
        const bool vertical = (rng() & 1) != 0;
        const int x = cx + static_cast<int>(rng() % 6), y = cy + static_cast<int>(rng() % 12);
        fill_rect(img, vertical ? Rect{x, y, 1, 12 - (y - cy)} : Rect{cx, y, 6, 1}, 0x202020);
      }
    }
  }
}

inline BgraImage text_image(int w, int h, std::uint32_t seed = 1) {
  BgraImage img = BgraImage::make(w, h);
  draw_text(img, Rect{0, 0, w, h}, seed);
  return img;
}

inline BgraImage gradient_image(int w, int h) {
  BgraImage img = BgraImage::make(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = img.row(y) + static_cast<std::size_t>(x) * 4;
      p[0] = static_cast<std::uint8_t>(x * 255 / (w > 1 ? w - 1 : 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (h > 1 ? h - 1 : 1));
      p[2] = static_cast<std::uint8_t>((x + y) * 255 / (w + h));
      p[3] = 0xff;
    }
  }
  return img;
}

// Smooth-ish noise like decoded video: random 4x4 blocks.
inline void draw_noise(BgraImage& img, Rect area, std::uint32_t seed) {
  std::mt19937 rng(seed);
  for (int y = area.y; y < area.y + area.height; y += 4) {
    for (int x = area.x; x < area.x + area.width; x += 4) {
      const auto c = static_cast<std::uint32_t>(rng()) & 0xffffffu;
      fill_rect(img, Rect{x, y, std::min(4, area.x + area.width - x), std::min(4, area.y + area.height - y)}, c);
    }
  }
}

// How many pixels differ in colour (alpha ignored); -1 when the sizes differ. PSNR rounds a few stray
// pixels to 99 dB; exactness needs a count.
inline long differing_pixels(const BgraImage& a, const BgraImage& b) {
  if (a.width != b.width || a.height != b.height) return -1;
  long n = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) n += std::memcmp(a.row(y) + x * 4, b.row(y) + x * 4, 3) != 0 ? 1 : 0;
  return n;
}

}  // namespace elfdesk::test
