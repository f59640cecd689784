// The host's video thread: capture (damage-gated) -> encode (small changes as exact pixels, scrolls as a
// copy plus their new lines, the rest VP8 with an active map) -> hand the frame to the network thread
// through `send`, paced by a FrameScheduler. Also reports cursor shape and position.
// Owns the capturer, the encoder and the thread; start()/stop() from the network thread, on_ack() and
// request_keyframe() from any thread. Callbacks run on the video thread and must only post work.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/clock.hpp"
#include "host/capture/screen_capturer.hpp"
#include "host/encode/pixel_encoder.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/frame_scheduler.hpp"
#include "host/pipeline/top_off_tracker.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct StreamerCallbacks {
  std::function<void(protocol::VideoFrame)> send_frame;
  std::function<void(protocol::PixelUpdate)> send_pixels;  // small changes as exact pixels
  std::function<void(protocol::CursorShape)> send_cursor_shape;
  std::function<void(protocol::CursorPosition)> send_cursor_position;
  std::function<void(const Error&)> on_fatal;  // the display went away
};

class VideoStreamer {
 public:
  VideoStreamer(std::unique_ptr<ScreenCapturer> capturer, StreamerCallbacks callbacks,
                SchedulerConfig config = {});
  ~VideoStreamer();
  void start();
  void stop();
  void on_ack(std::uint64_t frame_id);
  void request_keyframe();
  std::uint64_t frames_sent() const { return frames_sent_; }

 private:
  void run();
  enum class Sent { none, delta, keyframe };  // what went out (a top-off counts as a delta)
  Sent encode_and_send(const BgraImage& image, std::vector<Rect> dirty, bool keyframe, bool top_off,
                       std::uint64_t capture_time_us, std::uint32_t capture_us,
                       std::vector<protocol::ScreenCopy> copies = {});
  // A scroll or a dragged window inside the frame's change: the copy for the viewer and what is left to
  // encode.
  struct Move {
    std::vector<protocol::ScreenCopy> copies;
    std::vector<Rect> residual;
    Rect band;           // where the copy lands
    int dx = 0, dy = 0;  // its source is this far right and down
  };
  std::optional<Move> find_move(const CapturedFrame& frame) const;
  std::vector<Rect> changed_parts(const CapturedFrame& frame, const std::vector<bool>& wanted) const;
  void remember(const CapturedFrame& frame);
  // Sends `rects` as exact pixels (with the move's copy, applied first) if they fit `policy`.
  bool send_as_pixels(const CapturedFrame& frame, const std::vector<Rect>& rects, const PixelPolicy& policy = {},
                      const Move* move = nullptr);
  bool top_off_due_areas();
  void lossless_pass();
  void poll_cursor();
  void wait_for(std::chrono::milliseconds d);

  std::unique_ptr<ScreenCapturer> capturer_;
  std::unique_ptr<VideoEncoder> encoder_;
  StreamerCallbacks callbacks_;
  SteadyClock clock_;
  FrameScheduler scheduler_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> frames_sent_{0};
  std::uint64_t next_frame_id_ = 1;
  const BgraImage* last_image_ = nullptr;
  BgraImage previous_;  // a copy of the last capture: moves and scrolls, what changed inside a block
  TopOffTracker top_off_;  // per block: blurred, sharp but lossy, or exact; what is due for refinement
  int applied_kbps_ = 0;
  CursorState last_cursor_;
};

}  // namespace elfdesk::host
