// Carries out FramePlans and refinements: turns them into VideoFrames (through the VP8 encoder, made by an
// injected factory and remade when the screen size changes) and PixelUpdates (exact pixels), numbers
// them, tells the FrameScheduler what went out, and keeps the TopOffTracker's per-block record of how
// well the viewer's picture matches. Owns the encoder and the tracker; video thread only, except
// frames_sent() (any thread).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>

#include "common/clock.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/frame_planner.hpp"
#include "host/pipeline/frame_scheduler.hpp"
#include "host/pipeline/region_stream.hpp"
#include "host/pipeline/scaled_stream.hpp"
#include "host/pipeline/top_off_tracker.hpp"

namespace elfdesk::host {

// Where finished pictures go. Without send_pixels everything is coded as VP8. With send_patch as well (the
// viewer has capability kPixelPatch) exact pixels go as PixelPatch instead of PixelUpdate. With
// send_region (capability kRegionStream) VP8 damage that stays in a small area goes as RegionFrames; with
// send_scaled (capability kScaledFrame) large motion that goes on goes as ScaledFrames.
struct PictureOutput {
  std::function<void(protocol::VideoFrame)> send_frame;
  std::function<void(protocol::PixelUpdate)> send_pixels;  // small changes as exact pixels
  std::function<void(protocol::PixelPatch)> send_patch;    // the same, compact; used instead when set
  std::function<void(protocol::RegionFrame)> send_region;  // the region stream's frames
  std::function<void(protocol::ScaledFrame)> send_scaled;  // the scaled motion stream's frames
};

class FrameSender {
 public:
  FrameSender(const Clock& clock, FrameScheduler& scheduler, EncoderFactory make_encoder, PictureOutput output,
              std::chrono::milliseconds top_off_delay);

  void send(const CapturedFrame& frame, const FramePlan& plan);
  // Refines blurred blocks that are due with one sharp VP8 frame of `image` (the last capture, which still
  // holds them). Returns false when nothing was due.
  bool top_off(const BgraImage& image);
  // One update of the lossless pass, once the screen has settled and a capture found nothing new.
  void lossless_pass(const BgraImage& image);
  // How long until a refinement may be due (for the capture's wait).
  std::chrono::milliseconds time_to_due() const { return top_off_.time_to_due(clock_.now()); }
  bool exact_pixels() const { return static_cast<bool>(output_.send_pixels); }
  std::uint64_t frames_sent() const { return frames_sent_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }  // coded picture bytes, video thread only

 private:
  struct Stamp {
    std::uint64_t capture_time_us = 0;
    std::uint32_t capture_us = 0;
  };
  enum class Sent { none, delta, keyframe };  // what went out (a top-off counts as a delta)
  bool ready_encoder(const BgraImage& image, bool& keyframe);
  Sent encode_and_send(const BgraImage& image, std::vector<Rect> dirty, bool keyframe, bool top_off, Stamp stamp,
                       std::vector<protocol::ScreenCopy> copies = {});
  bool send_region(const BgraImage& image, const std::vector<Rect>& coded, Stamp stamp,
                   std::vector<protocol::ScreenCopy>& copies);
  bool send_scaled(const BgraImage& image, const std::vector<Rect>& coded, Stamp stamp,
                   std::vector<protocol::ScreenCopy>& copies);
  template <class Frame, class Coded>
  Frame stream_frame(const BgraImage& image, Stamp stamp, const std::vector<Rect>& coded,
                     std::vector<protocol::ScreenCopy>& copies, Coded& encoded);
  bool send_pixels(const BgraImage& image, Stamp stamp, const PixelStep& step, const Move* move);
  // Tells the scheduler (budget_kbps: FrameScheduler::on_sent), counts.
  void count_sent(std::uint64_t frame_id, std::size_t bytes, int budget_kbps = 0);
  std::uint64_t now_us() const;

  const Clock& clock_;
  FrameScheduler& scheduler_;
  EncoderFactory make_encoder_;
  PictureOutput output_;
  std::unique_ptr<VideoEncoder> encoder_;
  std::optional<RegionStream> region_;  // with output_.send_region
  std::optional<ScaledStream> scaled_;  // with output_.send_scaled
  int applied_kbps_ = 0;
  TopOffTracker top_off_;  // per block: blurred, sharp but lossy, or exact; what is due for refinement
  std::uint64_t next_frame_id_ = 1;
  std::atomic<std::uint64_t> frames_sent_{0};
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace elfdesk::host
