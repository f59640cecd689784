// Role interface of a video encoder: BGRA frame + changed rectangles in, one compressed frame out.
// Lives on the host's video thread; owns the codec context.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/image.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

// A frame is given the bitrate target's worth of the time since the frame before it, and never more than
// this much time: a frame that waited (a pause, a full in-flight window after the link slowed) gets one
// frame's share, not the wait's. Why, and what it changed: vp8_encoder.cpp.
inline constexpr std::chrono::microseconds kMaxFrameSpan{50'000};

struct EncodedFrame {
  std::vector<std::uint8_t> data;
  bool keyframe = false;
  std::uint32_t encode_us = 0;
};

struct EncoderSettings {
  int width = 0;
  int height = 0;
  int target_kbps = 4000;  // rate-control target; the scheduler lowers it on slow links
  int max_fps = 30;
  // Fixed libvpx cpu-used; unset: chosen per frame from the dirty area (see vp8_encoder.cpp for the
  // measured reasons). Set only by benchmarks and tests.
  std::optional<int> cpu_used;
  bool active_map = true;  // encode only dirty macroblocks; off only to measure what the map saves
  // The region stream's encoder (host/pipeline/region_stream.hpp): its keyframes are at motion quality
  // (the viewer takes only their coded blocks, which a top-off refines once they are still), and it
  // always runs at one fast speed (a region is small by construction; a full region is a video, not a
  // scroll).
  bool region_stream = false;
};

// What the encoder should do with a frame.
struct EncodeRequest {
  const BgraImage* image = nullptr;
  std::vector<Rect> dirty;    // only these areas are encoded (VP8 active map); top_off refines just these
                              // areas at high quality, or the whole frame when empty
  bool force_keyframe = false;
  bool top_off = false;       // screen is still: refine quality of static areas
  std::uint64_t timestamp_us = 0;  // capture time (steady clock); 0: now. Drives rate control.
  bool quick = false;  // a keyframe as a quick coarse picture (fixed quantiser), sharpened after (issue 13)
};

class VideoEncoder {
 public:
  virtual ~VideoEncoder() = default;
  // std::nullopt when the encoder produced no data for this input (dropped by rate control).
  virtual std::expected<std::optional<EncodedFrame>, Error> encode(const EncodeRequest& request) = 0;
  virtual void set_target_kbps(int kbps) = 0;
  virtual int width() const = 0;
  virtual int height() const = 0;
};

std::expected<std::unique_ptr<VideoEncoder>, Error> make_vp8_encoder(const EncoderSettings& settings);

// How the pipeline makes its encoders (tests inject their own).
using EncoderFactory = std::function<std::expected<std::unique_ptr<VideoEncoder>, Error>(const EncoderSettings&)>;

}  // namespace elfdesk::host
