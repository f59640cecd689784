// Test capturer that plays a script on a manual clock: each step changes the picture and names what
// changed (and, like the X11 capturer, which windows moved), one step per `interval`, then the screen
// stays still. The first capture (and any forced one) is the whole picture. Waiting for damage advances
// the clock instead of sleeping. Like every capturer it hands out the previous picture (FrameHistory).
// Header-only test support; used on the test's thread through StreamedSession.
#pragma once
#include <chrono>
#include <functional>
#include <vector>

#include "common/clock.hpp"
#include "host/capture/frame_history.hpp"
#include "host/capture/screen_capturer.hpp"
#include "tests/host/decoding_viewer.hpp"

namespace elfdesk::test {

// Microseconds of a clock's time point, as capturers stamp frames.
inline std::uint64_t clock_us(const Clock& clock) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(clock.now().time_since_epoch()).count());
}

class ScriptedScreen final : public host::ScreenCapturer {
 public:
  struct Change {
    std::vector<Rect> dirty;
    std::vector<host::WindowMove> moves;
    Change(std::vector<Rect> d, std::vector<host::WindowMove> m = {}) : dirty(std::move(d)), moves(std::move(m)) {}
  };
  using Step = std::function<Change(BgraImage&)>;
  ScriptedScreen(ManualClock& clock, BgraImage image, std::vector<Step> steps,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(40))
      : clock_(clock), image_(std::move(image)), steps_(std::move(steps)), interval_(interval) {}

  std::expected<std::optional<host::CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                   bool force_full) override {
    host::CapturedFrame frame;
    frame.image = &image_;
    if (first_ || force_full) {
      first_ = false;
      history_.forget();
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
      next_ = clock_.now() + interval_;
      return hand_out(frame);
    }
    if (paused || next_step_ == steps_.size() || next_ > clock_.now() + wait) {
      clock_.advance(wait);
      return std::optional<host::CapturedFrame>{};
    }
    if (next_ > clock_.now()) clock_.advance(next_ - clock_.now());
    history_.catch_up(image_);
    Change change = steps_[next_step_++](image_);
    frame.dirty = std::move(change.dirty);
    frame.moves = std::move(change.moves);
    if (next_step_ == steps_.size()) {
      final_image = image_;
      done = true;
    }
    next_ = clock_.now() + interval_;
    return hand_out(frame);
  }
  std::expected<host::CursorState, Error> cursor() override { return host::CursorState{}; }
  int width() const override { return image_.width; }
  int height() const override { return image_.height; }

  BgraImage final_image;  // the picture after the last step, set with `done`
  bool done = false;
  bool paused = false;  // while set, the screen stays still (the script waits for the test)

 private:
  std::optional<host::CapturedFrame> hand_out(host::CapturedFrame& frame) {
    frame.capture_time_us = clock_us(clock_);
    history_.hand_out(frame);
    return frame;
  }

  ManualClock& clock_;
  BgraImage image_;
  std::vector<Step> steps_;
  std::chrono::milliseconds interval_;
  host::FrameHistory history_;
  std::size_t next_step_ = 0;
  bool first_ = true;
  std::chrono::steady_clock::time_point next_{};
};

// A ScriptedScreen streamed to a DecodingViewer, both on one manual clock, driven from the test's thread.
struct ScriptedSession {
  ScriptedSession(BgraImage image, std::vector<ScriptedScreen::Step> steps,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(40), host::SchedulerConfig config = {},
                  bool exact_pixels = true, bool patches = false, bool regions = false, bool recall = true,
                  bool scaled = false)
      : owned_(std::make_unique<ScriptedScreen>(clock, std::move(image), std::move(steps), interval)),
        screen(*owned_),
        session(clock, std::move(owned_), config, exact_pixels, patches, regions, recall, scaled),
        viewer(session.viewer) {}
  // Runs until the script's last step has been captured (and sent).
  void play() { REQUIRE(session.run_until([&] { return screen.done; })); }
  void run_for(std::chrono::milliseconds duration) { session.run_for(duration); }

  ManualClock clock;

 private:
  std::unique_ptr<ScriptedScreen> owned_;  // until the streamer takes it

 public:
  ScriptedScreen& screen;  // owned by the streamer
  StreamedSession session;
  const DecodingViewer& viewer;
};

}  // namespace elfdesk::test
