// Decides when the video thread may capture and send the next frame: at most max_in_flight frames
// unacknowledged (never more than limits::kMaxFramesInFlight), at most max_fps, keyframes only on request
// (when to refine: TopOffTracker). A slow link shows up as late acks, which lowers the frame rate (fewer
// sends) and the bitrate target instead of building a queue; the viewer's own decode and present time,
// which each FrameAck reports, is taken out first, so a slow viewer holds frames back without being
// mistaken for a slow link. Thread-safe: acks arrive from the network thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

#include "common/clock.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct SchedulerConfig {
  // 60, not 30: a change that arrives just after a frame waits at most one interval, so the cap adds up
  // to 16 ms instead of 33 to every glass-to-glass time; the frame count still follows the screen (damage
  // gated) and the acks. Quick bench at 1080p, 30 -> 60: drag 37.7 -> 33.8 ms median, scroll 46.9 -> 33.2,
  // video 40.5 -> 20.6 ms at 35.7 instead of 23.4 updates/s, with drag and scroll bytes about the same.
  int max_fps = 60;
  std::size_t max_in_flight = limits::kMaxFramesInFlight;  // capped at that limit (docs/protocol.md)
  std::chrono::milliseconds top_off_delay{250};  // an area still this long is refined (TopOffTracker)
  int max_kbps = 20000;
  int min_kbps = 300;
};

class FrameScheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  FrameScheduler(const Clock& clock, SchedulerConfig config);

  // May a frame be captured and sent now? False while max_in_flight frames await acks or too soon.
  bool can_send() const;
  // How long the video thread should sleep (or wait for damage) before asking again.
  std::chrono::milliseconds wait_hint() const;
  void on_sent(std::uint64_t frame_id, std::size_t bytes);
  // Returns false for an unknown or duplicate id (ignored). The ack's decode_us + present_us is the
  // viewer's time: the rest of the send-to-ack time is the network's (what the bitrate follows).
  bool on_ack(const protocol::FrameAck& ack);

  void request_keyframe();
  bool take_keyframe_request();
  // The session resumed on a new connection: frames in flight on the old one will never be acked.
  // Forgets them and asks for a keyframe (the viewer missed what was sent meanwhile).
  void restart();

  int target_kbps() const;
  std::size_t in_flight() const;
  std::chrono::microseconds ack_delay() const;    // smoothed send-to-ack time, less the viewer's time
  std::chrono::microseconds viewer_time() const;  // smoothed decode + present time the viewer reports

 private:
  struct Sent {
    std::uint64_t id;
    std::size_t bytes;
    TimePoint at;
  };
  void adapt_rate_locked(TimePoint now);

  const Clock& clock_;
  SchedulerConfig config_;
  mutable std::mutex mutex_;
  std::deque<Sent> in_flight_;
  TimePoint last_send_{};
  bool keyframe_requested_ = true;  // a new viewer always starts with a keyframe
  std::chrono::microseconds ack_delay_{0};
  std::chrono::microseconds viewer_time_{0};
  int target_kbps_;
  // delivery measurement window
  TimePoint window_start_{};
  std::size_t window_bytes_ = 0;
  bool window_saturated_ = false;
};

}  // namespace elfdesk::host
