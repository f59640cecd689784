// Plain image buffers passed between capture, encode, decode and present. Value types, no library
// headers; whoever holds one owns its pixels. Any thread.
#pragma once
#include <cstdint>
#include <vector>

namespace elfdesk {

// 32-bit pixels in X11's little-endian BGRA (B at the lowest address), alpha ignored.
struct BgraImage {
  int width = 0;
  int height = 0;
  int stride = 0;  // bytes per row
  std::vector<std::uint8_t> pixels;

  static BgraImage make(int w, int h) {
    return BgraImage{w, h, w * 4, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 4)};
  }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * stride; }
  const std::uint8_t* row(int y) const { return pixels.data() + static_cast<std::size_t>(y) * stride; }
};

// Planar YUV 4:2:0 (BT.601 limited range, as libvpx produces); chroma planes are ceil(w/2) x ceil(h/2).
struct I420Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y, u, v;  // tightly packed: stride == plane width

  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
  static I420Image make(int w, int h) {
    I420Image img{w, h, {}, {}, {}};
    img.y.resize(static_cast<std::size_t>(w) * h);
    const auto c = static_cast<std::size_t>(img.chroma_width()) * img.chroma_height();
    img.u.resize(c);
    img.v.resize(c);
    return img;
  }
};

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
  friend bool operator==(const Rect&, const Rect&) = default;
};

}  // namespace elfdesk
