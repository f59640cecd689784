#include "common/media/psnr.hpp"

#include <algorithm>
#include <cmath>

namespace elfdesk::media {

namespace {

// Sum of squared differences over `count` bytes taken every `step` bytes starting at p and q.
std::uint64_t sse_row(const std::uint8_t* p, const std::uint8_t* q, int count, int step) {
  std::uint64_t sum = 0;
  for (int i = 0; i < count; ++i) {
    const int d = int{p[i * step]} - int{q[i * step]};
    sum += static_cast<std::uint64_t>(d * d);
  }
  return sum;
}

double to_psnr(std::uint64_t sse, std::uint64_t samples) {
  if (samples == 0) return 0.0;
  if (sse == 0) return kPsnrIdentical;
  const double mse = static_cast<double>(sse) / static_cast<double>(samples);
  return std::min(kPsnrIdentical, 10.0 * std::log10(255.0 * 255.0 / mse));
}

}  // namespace

double plane_psnr(const std::uint8_t* a, int a_stride, const std::uint8_t* b, int b_stride, int width,
                  int height) {
  if (width <= 0 || height <= 0) return 0.0;
  std::uint64_t sse = 0;
  for (int y = 0; y < height; ++y) {
    sse += sse_row(a + static_cast<std::ptrdiff_t>(y) * a_stride, b + static_cast<std::ptrdiff_t>(y) * b_stride,
                   width, 1);
  }
  return to_psnr(sse, static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height));
}

double psnr(const BgraImage& a, const BgraImage& b, Rect area) {
  if (a.width != b.width || a.height != b.height) return 0.0;
  const int x0 = std::max(area.x, 0), y0 = std::max(area.y, 0);
  const int x1 = std::min(area.x + area.width, a.width), y1 = std::min(area.y + area.height, a.height);
  if (x1 <= x0 || y1 <= y0) return 0.0;
  std::uint64_t sse = 0;
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* p = a.row(y) + static_cast<std::size_t>(x0) * 4;
    const std::uint8_t* q = b.row(y) + static_cast<std::size_t>(x0) * 4;
    for (int c = 0; c < 3; ++c) sse += sse_row(p + c, q + c, x1 - x0, 4);
  }
  return to_psnr(sse, static_cast<std::uint64_t>(x1 - x0) * static_cast<std::uint64_t>(y1 - y0) * 3);
}

double psnr(const BgraImage& a, const BgraImage& b) { return psnr(a, b, Rect{0, 0, a.width, a.height}); }

double luma_psnr(const I420Image& a, const I420Image& b) {
  if (a.width != b.width || a.height != b.height) return 0.0;
  return plane_psnr(a.y.data(), a.width, b.y.data(), b.width, a.width, a.height);
}

}  // namespace elfdesk::media
