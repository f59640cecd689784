// BGRA <-> I420 (BT.601 limited range) conversion with libyuv, whole images or only a dirty area.
// Pure functions on caller-owned buffers; any thread.
#pragma once
#include <cstdint>

#include "common/image.hpp"

namespace elfdesk::media {

// Non-owning view of three I420 planes (e.g. inside a vpx_image_t), so the encoder can convert straight
// into its persistent codec image without an intermediate copy.
struct I420View {
  int width = 0;
  int height = 0;
  std::uint8_t* y = nullptr;
  std::uint8_t* u = nullptr;
  std::uint8_t* v = nullptr;
  int y_stride = 0;
  int u_stride = 0;
  int v_stride = 0;
};

I420View view_of(I420Image& image);

// Clips `r` to width x height and grows it outwards to multiples of `alignment` (clipped again), e.g.
// 2 for whole chroma samples or 16 for whole macroblocks. Returns an empty Rect if nothing remains.
Rect align_rect(Rect r, int alignment, int width, int height);

// Whole-image conversions. Odd sizes are fine (chroma is ceil(w/2) x ceil(h/2)).
I420Image bgra_to_i420(const BgraImage& src);
BgraImage i420_to_bgra(const I420Image& src);

// Converts only `area` of `src` into `dst` (same size as src), leaving the rest of dst untouched. The area
// is first grown to even coordinates so that every chroma sample it touches is recomputed from a full
// 2x2 block. Returns false (and converts nothing) if the sizes differ.
bool bgra_to_i420_area(const BgraImage& src, Rect area, const I420View& dst);

// The way back, for the viewer: converts only `area` of `src` into `dst` (same size), leaving the rest of
// dst untouched; the area is grown to even coordinates first. Returns false if the sizes differ.
bool i420_to_bgra_area(const I420Image& src, Rect area, BgraImage& dst);

// Bilinear scaling of all of `src` to a dst_width x dst_height picture whose top-left pixel is at `dst`
// (BGRA, dst_stride bytes per row), writing only the pixels inside `clip` (in that picture's coordinates,
// clipped to it). Each written pixel equals what scaling the whole picture would give, so a picture can
// be kept up to date one changed area at a time.
void scale_bgra_clip(const BgraImage& src, std::uint8_t* dst, int dst_stride, int dst_width, int dst_height,
                     Rect clip);

// A picture scaled down by `scale` in each direction (the scaled stream, ScaledFrame): its size for a
// full-size `size`, rounded up so every full-size pixel has one.
constexpr int scaled_dimension(int size, int scale) { return (size + scale - 1) / scale; }

// The scaled picture's pixels that scaling `area` (full-size coordinates) back up reads: those under it and
// kScaledMargin more on each side, inside a scaled_width x scaled_height picture. The host codes exactly
// these and the viewer converts exactly these, so every pixel the bilinear filter reads is from the frame.
inline constexpr int kScaledMargin = 2;
Rect scaled_cover(const Rect& area, int scale, int scaled_width, int scaled_height);

}  // namespace elfdesk::media
