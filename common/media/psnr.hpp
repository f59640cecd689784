// Peak signal-to-noise ratio between two images or planes, in dB, for tests and benchmarks.
// Identical inputs give kPsnrIdentical instead of +inf so results stay printable and comparable.
// Pure functions; any thread.
#pragma once
#include <cstdint>

#include "common/image.hpp"

namespace elfdesk::media {

inline constexpr double kPsnrIdentical = 99.0;

// PSNR of two 8-bit planes of width x height (strides in bytes). Returns 0 for empty planes.
double plane_psnr(const std::uint8_t* a, int a_stride, const std::uint8_t* b, int b_stride, int width,
                  int height);

// PSNR over the B, G and R channels (alpha ignored) of `area` (clipped) of two same-sized images;
// 0 when the sizes differ or the area is empty.
double psnr(const BgraImage& a, const BgraImage& b, Rect area);
double psnr(const BgraImage& a, const BgraImage& b);

// PSNR of the luma planes of two same-sized I420 images (the usual video quality figure).
double luma_psnr(const I420Image& a, const I420Image& b);

}  // namespace elfdesk::media
