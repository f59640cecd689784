// The region stream (capability kRegionStream): codes a rectangle much smaller than the screen with a
// second, smaller VP8 encoder when the damage of recent frames stays inside it (RegionPicker decides),
// so libvpx walks, loop-filters and extends only that rectangle instead of a full-screen frame whose
// active map leaves most of it out. Owns the region encoder and a crop of the screen; video thread only.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <vector>

#include "common/image.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/region_picker.hpp"

namespace elfdesk::host {

// One coded frame of the region stream (coordinates on the screen).
struct RegionCoded {
  Rect region;
  std::uint32_t generation = 0;
  bool keyframe = false;
  std::vector<std::uint8_t> data;
  std::uint32_t encode_us = 0;
  int kbps = 0;  // the bitrate its encoder was given: the target scaled to the region (region_kbps)
};

class RegionStream {
 public:
  explicit RegionStream(EncoderFactory make_encoder, RegionPolicy policy = {});

  // The region the VP8 area `coded` (block-aligned screen rectangles) of a frame of `image` goes into, or
  // nullopt for the full-frame encoder. A new region (place or size) makes the next encode() a keyframe of
  // a new generation.
  std::optional<Rect> place(const std::vector<Rect>& coded, const BgraImage& image);
  // Codes `coded` (inside the region place() returned) from `image`: only those blocks, at motion quality.
  // `target_kbps` is the main stream's target; the region encoder gets a share of it (region_kbps).
  // nullopt when rate control dropped the frame.
  std::expected<std::optional<RegionCoded>, Error> encode(const BgraImage& image, const std::vector<Rect>& coded,
                                                          int target_kbps, std::uint64_t timestamp_us);
  // A keyframe of the whole screen, a new size or a new viewer: the region (if any) starts over.
  void reset();

 private:
  std::expected<void, Error> ready_encoder(const Rect& region, int target_kbps);

  EncoderFactory make_encoder_;
  RegionPicker picker_;
  std::unique_ptr<VideoEncoder> encoder_;
  Rect coded_region_;                    // the region encoder_'s stream shows; empty: none yet
  bool needs_keyframe_ = true;           // the next frame starts a generation
  std::uint32_t generation_ = 0;
  int applied_kbps_ = 0;
  BgraImage crop_;                       // the region's pixels as the encoder takes them
};

}  // namespace elfdesk::host
