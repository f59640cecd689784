// The scaled motion stream (capability kScaledFrame): large motion that goes on (a window dragged and
// resized over the screen, a full-screen animation), which the region stream cannot hold, is coded at
// half the screen's resolution by a third VP8 encoder. libvpx then walks, codes and loop-filters a quarter
// of the macroblocks a full-resolution frame costs, for pictures the next step replaces anyway; the
// main stream's top-off and the lossless pass sharpen what it coded once the motion stops, so nothing
// stays at the lower resolution. Decides which frames go (a run of large ones), owns the encoder and the
// scaled picture; video thread only.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <vector>

#include "common/image.hpp"
#include "common/media/colour_convert.hpp"
#include "host/encode/video_encoder.hpp"

namespace elfdesk::host {

// One coded frame of the scaled stream.
struct ScaledCoded {
  std::uint32_t generation = 0;
  bool keyframe = false;
  std::vector<std::uint8_t> data;
  std::uint32_t encode_us = 0;
  int kbps = 0;  // the bitrate its encoder was given
};

// When motion goes to the scaled stream: a motion frame that codes at least `min_share` of the screen,
// once `min_run` such frames (this one included) came each within `max_gap` of the one before. A single
// large change (a window opened, a page shown) keeps full resolution.
struct ScaledPolicy {
  double min_share = 1.0 / 16;
  int min_run = 3;
  std::chrono::milliseconds max_gap{100};
};

class ScaledStream {
 public:
  static constexpr int kScale = 2;

  explicit ScaledStream(EncoderFactory make_encoder, ScaledPolicy policy = {});

  // Whether a motion frame at `now` whose VP8 area is `coded` goes to this stream. Call once for each
  // motion frame the main or scaled encoder would code (not keyframes or top-offs): it counts the run.
  bool wants(const std::vector<Rect>& coded, const BgraImage& image, std::chrono::steady_clock::time_point now);
  // Codes `coded` (block-aligned screen rectangles) of `image` at 1/kScale resolution, at motion quality.
  // `target_kbps` is the main stream's target; this stream gets 1/kScale of it (the square root of its
  // share of the pixels, as the region stream's). nullopt when rate control dropped the frame.
  std::expected<std::optional<ScaledCoded>, Error> encode(const BgraImage& image, const std::vector<Rect>& coded,
                                                          int target_kbps, std::uint64_t timestamp_us);
  // A keyframe of the whole screen, a new size or a new viewer: the next frame starts a generation.
  void reset() { needs_keyframe_ = true; }

 private:
  std::expected<void, Error> ready_encoder(const BgraImage& image, int kbps);

  EncoderFactory make_encoder_;
  ScaledPolicy policy_;
  std::unique_ptr<VideoEncoder> encoder_;
  BgraImage scaled_;  // the screen at 1/kScale as the encoder takes it, kept up to date where coded
  bool needs_keyframe_ = true;
  std::uint32_t generation_ = 0;
  int applied_kbps_ = 0;
  int run_ = 0;  // large motion frames in a row, each within max_gap of the one before
  std::optional<std::chrono::steady_clock::time_point> last_large_;
};

// The scaled stream's picture size for a screen dimension: rounded up, so every screen pixel has one.
constexpr int scaled_size(int screen_size) { return media::scaled_dimension(screen_size, ScaledStream::kScale); }

}  // namespace elfdesk::host
