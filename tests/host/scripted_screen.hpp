// Test capturer that plays a script: each step changes the picture and names what changed, one step per
// `interval`, then the screen stays still. The first capture (and any forced one) is the whole picture.
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
  using Step = std::function<std::vector<Rect>(BgraImage&)>;
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
    if (next_step_ == steps_.size() || next_ > Clock::now() + wait) {
      std::this_thread::sleep_for(wait);
      return std::optional<host::CapturedFrame>{};
    }
    std::this_thread::sleep_until(next_);
    frame.dirty = steps_[next_step_++](image_);
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
