// The host's video loop: capture (damage-gated) -> plan_frame -> FrameSender (exact pixels, copies, VP8)
// -> `callbacks`, paced by a FrameScheduler; refinements when idle; cursor shape and position. Owns the
// capturer, scheduler and sender. step() runs one turn on the caller's thread and injected clock (tests);
// start()/stop() run it on the video thread (product). on_ack(), request_keyframe() and select_monitor()
// from any thread;
// callbacks run on the loop's thread and must only post work.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/clock.hpp"
#include "host/capture/screen_capturer.hpp"
#include "host/pipeline/frame_scheduler.hpp"
#include "host/pipeline/frame_sender.hpp"
#include "host/pipeline/path_reporter.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct StreamerCallbacks : PictureOutput {
  std::function<void(protocol::CursorShape)> send_cursor_shape;
  std::function<void(protocol::CursorPosition)> send_cursor_position;
  std::function<void(protocol::PathReport)> send_path_report;  // empty: the viewer did not ask (kPathReport)
  // The connection's socket should pace its writes at this rate, bits/s (0: not at all): called when
  // FrameScheduler::pacing_rate_bps() moves, and again on a resumed connection. Empty: no pacing.
  std::function<void(std::uint64_t)> set_pacing_rate;
  std::function<void(const Error&)> on_fatal;  // the display went away
  // The monitors or the shown area: once at the first turn, after every select_monitor() (answered even
  // when nothing changed) and whenever the screen's monitors change.
  enum class LayoutCause { started, selected, screen_changed };
  std::function<void(const MonitorLayout&, LayoutCause, bool accepted)> on_layout;  // accepted: for `selected`
};

// What the loop runs on; defaults are the product's.
struct StreamerParts {
  const Clock* clock = nullptr;  // null: the steady clock. Must outlive the streamer.
  EncoderFactory make_encoder;   // empty: VP8
};

class VideoStreamer {
 public:
  VideoStreamer(std::unique_ptr<ScreenCapturer> capturer, StreamerCallbacks callbacks, SchedulerConfig config = {},
                StreamerParts parts = {});
  ~VideoStreamer();
  void start();
  void stop();
  // What one turn of the loop asks of its caller: end, or wait this long (zero: go on) before the next.
  struct Turn {
    bool finished = false;  // the display is gone (on_fatal was called)
    std::chrono::milliseconds wait{0};
  };
  Turn step();
  void on_ack(const protocol::FrameAck& ack);
  void request_keyframe();
  // A resumed session's new connection: start over from a keyframe (FrameScheduler::restart). Any thread.
  void restart();
  // Shows monitor `index` of the layout (-1: all) from the next turn on; answered through on_layout.
  void select_monitor(int index);
  std::uint64_t frames_sent() const { return sender_.frames_sent(); }

 private:
  void run();
  void poll_cursor();
  void report_layout(StreamerCallbacks::LayoutCause cause, bool accepted);
  void apply_selection();
  void report_path();
  void update_pacing();
  void wait_for(std::chrono::milliseconds d);
  void wake();
  Turn overtake();
  Turn capture_failed(const Error& error);

  SteadyClock steady_;
  const Clock& clock_;
  std::unique_ptr<ScreenCapturer> capturer_;  // its wake() from any thread; the rest on the loop's
  StreamerCallbacks callbacks_;
  FrameScheduler scheduler_;
  FrameSender sender_;
  PathReporter path_reporter_;
  std::uint64_t pacing_bps_ = 0;          // what set_pacing_rate was last told
  std::atomic<bool> pacing_again_{false};  // restart(): the new connection's socket has no pacing yet
  const BgraImage* last_image_ = nullptr;  // the last capture: what refinements are taken from
  CursorState last_cursor_;
  std::optional<std::uint64_t> reported_generation_;  // the capturer's layout generation last reported
  std::mutex select_mutex_;
  std::optional<int> pending_select_;  // guarded by select_mutex_
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> waiting_for_ack_{false};  // the loop waits for the in-flight window to open
  std::mutex wake_mutex_;
  std::condition_variable wake_;
};

}  // namespace elfdesk::host
