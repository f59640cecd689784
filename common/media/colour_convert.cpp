#include "common/media/colour_convert.hpp"

#include <algorithm>
#include <libyuv.h>

namespace elfdesk::media {

namespace {
int align_down(int v, int a) { return v - (((v % a) + a) % a); }
int align_up(int v, int a) { return align_down(v + a - 1, a); }
}  // namespace

I420View view_of(I420Image& image) {
  return I420View{image.width,       image.height,         image.y.data(),        image.u.data(),
                  image.v.data(),    image.width,          image.chroma_width(),  image.chroma_width()};
}

Rect align_rect(Rect r, int alignment, int width, int height) {
  const int x0 = std::max(0, align_down(std::max(r.x, 0), alignment));
  const int y0 = std::max(0, align_down(std::max(r.y, 0), alignment));
  const int x1 = std::min(width, align_up(std::min(r.x + r.width, width), alignment));
  const int y1 = std::min(height, align_up(std::min(r.y + r.height, height), alignment));
  if (r.empty() || x1 <= x0 || y1 <= y0) return Rect{};
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

I420Image bgra_to_i420(const BgraImage& src) {
  I420Image dst = I420Image::make(src.width, src.height);
  bgra_to_i420_area(src, Rect{0, 0, src.width, src.height}, view_of(dst));
  return dst;
}

BgraImage i420_to_bgra(const I420Image& src) {
  BgraImage dst = BgraImage::make(src.width, src.height);
  if (src.width > 0 && src.height > 0) {
    // libyuv's "ARGB" is a little-endian 32-bit word, i.e. B,G,R,A in memory: X11's layout.
    libyuv::I420ToARGB(src.y.data(), src.width, src.u.data(), src.chroma_width(), src.v.data(),
                       src.chroma_width(), dst.pixels.data(), dst.stride, src.width, src.height);
  }
  return dst;
}

bool bgra_to_i420_area(const BgraImage& src, Rect area, const I420View& dst) {
  if (src.width != dst.width || src.height != dst.height) return false;
  const Rect a = align_rect(area, 2, src.width, src.height);
  if (a.empty()) return true;
  // a.x and a.y are even, so the chroma offset is exact.
  const std::uint8_t* in = src.row(a.y) + static_cast<std::size_t>(a.x) * 4;
  std::uint8_t* y = dst.y + static_cast<std::size_t>(a.y) * dst.y_stride + a.x;
  std::uint8_t* u = dst.u + static_cast<std::size_t>(a.y / 2) * dst.u_stride + a.x / 2;
  std::uint8_t* v = dst.v + static_cast<std::size_t>(a.y / 2) * dst.v_stride + a.x / 2;
  libyuv::ARGBToI420(in, src.stride, y, dst.y_stride, u, dst.u_stride, v, dst.v_stride, a.width, a.height);
  return true;
}

bool i420_to_bgra_area(const I420Image& src, Rect area, BgraImage& dst) {
  if (src.width != dst.width || src.height != dst.height) return false;
  const Rect a = align_rect(area, 2, src.width, src.height);
  if (a.empty()) return true;
  const int cw = src.chroma_width();
  const std::size_t chroma_offset = static_cast<std::size_t>(a.y / 2) * cw + static_cast<std::size_t>(a.x / 2);
  libyuv::I420ToARGB(src.y.data() + static_cast<std::size_t>(a.y) * src.width + a.x, src.width,
                     src.u.data() + chroma_offset, cw, src.v.data() + chroma_offset, cw,
                     dst.row(a.y) + static_cast<std::size_t>(a.x) * 4, dst.stride, a.width, a.height);
  return true;
}

void scale_bgra_clip(const BgraImage& src, std::uint8_t* dst, int dst_stride, int dst_width, int dst_height,
                     Rect clip) {
  const Rect c = align_rect(clip, 1, dst_width, dst_height);
  if (c.empty() || src.width <= 0 || src.height <= 0) return;
  libyuv::ARGBScaleClip(src.pixels.data(), src.stride, src.width, src.height, dst, dst_stride, dst_width,
                        dst_height, c.x, c.y, c.width, c.height, libyuv::kFilterBilinear);
}

Rect scaled_cover(const Rect& area, int scale, int scaled_width, int scaled_height) {
  const int x0 = std::max(0, area.x / scale - kScaledMargin), y0 = std::max(0, area.y / scale - kScaledMargin);
  const int x1 = std::min(scaled_width, scaled_dimension(area.x + area.width, scale) + kScaledMargin);
  const int y1 = std::min(scaled_height, scaled_dimension(area.y + area.height, scale) + kScaledMargin);
  return Rect{x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

}  // namespace elfdesk::media
