// A deterministic fake screen for tests and `--fake-screen`: a static gradient with a 64x64 square that
// moves 16 pixels per frame, paced at 30 fps so a capture loop behaves as with a real, busy screen.
// Lives on the video thread like any capturer.
#include <algorithm>
#include <thread>

#include "host/capture/frame_history.hpp"
#include "host/capture/screen_capturer.hpp"

namespace elfdesk::host {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSquare = 64;
constexpr int kStep = 16;
constexpr auto kFrameInterval = std::chrono::microseconds(33333);

class TestPatternCapturer final : public ScreenCapturer {
 public:
  TestPatternCapturer(int width, int height) : image_(BgraImage::make(std::max(width, 1), std::max(height, 1))) {
    for (int y = 0; y < image_.height; ++y) paint_row(y, 0, image_.width);
    draw_square(true);
  }

  std::expected<std::optional<CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                             bool force_full) override {
    const auto now = Clock::now();
    const auto due = std::max(now, last_ + kFrameInterval);
    if (!first_ && due > now + wait) {
      std::this_thread::sleep_for(wait);
      return std::optional<CapturedFrame>{};
    }
    std::this_thread::sleep_until(due);
    last_ = Clock::now();
    CapturedFrame frame;
    frame.image = &image_;
    frame.capture_time_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_.time_since_epoch()).count());
    if (first_ || force_full) {
      history_.forget();
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
    } else {
      history_.catch_up(image_);
      const Rect before = square();
      draw_square(false);
      ++step_;
      draw_square(true);
      frame.dirty = {before, square()};
    }
    first_ = false;
    history_.hand_out(frame);
    return frame;
  }

  std::expected<CursorState, Error> cursor() override {
    CursorState state;
    const Rect r = square();
    state.x = r.x + r.width / 2;
    state.y = r.y + r.height / 2;
    if (!shape_sent_) {
      shape_sent_ = true;
      CursorImage shape{1, 8, 8, 0, 0, std::vector<std::uint8_t>(8 * 8 * 4, 0xff)};
      state.shape = shape;
    }
    return state;
  }

  int width() const override { return image_.width; }
  int height() const override { return image_.height; }

 private:
  Rect square() const {
    const int span_x = std::max(1, image_.width - kSquare), span_y = std::max(1, image_.height - kSquare);
    const int pos = step_ * kStep;
    return Rect{pos % span_x, (pos / span_x * kStep) % span_y, std::min(kSquare, image_.width),
                std::min(kSquare, image_.height)};
  }
  void paint_row(int y, int x0, int x1) {
    for (int x = x0; x < x1; ++x) {
      std::uint8_t* p = image_.row(y) + static_cast<std::size_t>(x) * 4;
      p[0] = static_cast<std::uint8_t>(x * 255 / image_.width);
      p[1] = static_cast<std::uint8_t>(y * 255 / image_.height);
      p[2] = static_cast<std::uint8_t>(((x / 32) + (y / 32)) % 2 ? 160 : 96);
      p[3] = 0xff;
    }
  }
  void draw_square(bool on) {
    const Rect r = square();
    for (int y = r.y; y < r.y + r.height; ++y) {
      if (!on) {
        paint_row(y, r.x, r.x + r.width);
        continue;
      }
      for (int x = r.x; x < r.x + r.width; ++x) {
        std::uint8_t* p = image_.row(y) + static_cast<std::size_t>(x) * 4;
        p[0] = 0x20;
        p[1] = static_cast<std::uint8_t>(step_ * 37);
        p[2] = 0xe0;
        p[3] = 0xff;
      }
    }
  }

  BgraImage image_;
  FrameHistory history_;
  int step_ = 0;
  bool first_ = true;
  bool shape_sent_ = false;
  Clock::time_point last_{};
};

}  // namespace

std::unique_ptr<ScreenCapturer> make_test_pattern_capturer(int width, int height) {
  return std::make_unique<TestPatternCapturer>(width, height);
}

}  // namespace elfdesk::host
