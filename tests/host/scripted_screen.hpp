// Test capturer that plays a script: each step changes the picture and names what changed (and, like the
// X11 capturer, which windows moved), one step per `interval`, then the screen stays still. The first capture (and any forced one) is the whole picture.
// Header-only test support; used on the streamer's video thread, `done`/`final_image` read by the test.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "host/capture/screen_capturer.hpp"

namespace elfdesk::test {

class ScriptedScreen final : public host::ScreenCapturer {
 public:
  struct Change {
    std::vector<Rect> dirty;
    std::vector<host::WindowMove> moves;
    Change(std::vector<Rect> d, std::vector<host::WindowMove> m = {}) : dirty(std::move(d)), moves(std::move(m)) {}
  };
  using Step = std::function<Change(BgraImage&)>;
  ScriptedScreen(BgraImage image, std::vector<Step> steps,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(40))
      : image_(std::move(image)), steps_(std::move(steps)), interval_(interval) {}

  std::expected<std::optional<host::CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                   bool force_full) override {
    host::CapturedFrame frame;
    frame.image = &image_;
    frame.capture_time_us = monotonic_us();
    if (first_ || force_full) {
      first_ = false;
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
      next_ = Clock::now() + interval_;
      return frame;
    }
    if (paused || next_step_ == steps_.size() || next_ > Clock::now() + wait) {
      std::this_thread::sleep_for(wait);
      return std::optional<host::CapturedFrame>{};
    }
    std::this_thread::sleep_until(next_);
    Change change = steps_[next_step_++](image_);
    frame.dirty = std::move(change.dirty);
    frame.moves = std::move(change.moves);
    if (next_step_ == steps_.size()) {
      final_image = image_;
      done = true;
    }
    next_ = Clock::now() + interval_;
    return frame;
  }
  std::expected<host::CursorState, Error> cursor() override { return host::CursorState{}; }
  int width() const override { return image_.width; }
  int height() const override { return image_.height; }

  BgraImage final_image;  // set on the video thread before `done`
  std::atomic<bool> done{false};
  std::atomic<bool> paused{false};  // while set, the screen stays still (the script waits for the test)

 private:
  using Clock = std::chrono::steady_clock;
  BgraImage image_;
  std::vector<Step> steps_;
  std::chrono::milliseconds interval_;
  std::size_t next_step_ = 0;
  bool first_ = true;
  Clock::time_point next_{};
};

}  // namespace elfdesk::test
