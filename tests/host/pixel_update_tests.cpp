// Small changes as exact pixels: when encode_pixels takes a change and when it leaves it to VP8, and end
// to end through VideoStreamer (real encoder, decoder and the viewer's RemotePicture): typed characters
// arrive exact, a large change goes as VP8 coded only where it changed, and the picture ends sharp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "common/media/psnr.hpp"
#include "common/zstd_codec.hpp"
#include "host/encode/pixel_encoder.hpp"
#include "protocol/limits.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

TEST_CASE("encode_pixels takes small text changes exactly, in whole blocks") {
  const BgraImage screen = test::text_image(1920, 1080, 5);
  const std::vector<Rect> typed{Rect{100, 200, 8, 16}, Rect{1915, 1075, 5, 5}};
  auto pixels = host::encode_pixels(screen, typed);
  REQUIRE(pixels.has_value());
  CHECK(pixels->rects == std::vector<Rect>{Rect{96, 192, 16, 32}, Rect{1904, 1072, 16, 8}});
  CHECK(pixels->raw_size == (16 * 32 + 16 * 8) * 4);
  CHECK(pixels->bgra_zstd.size() < 256 + pixels->raw_size / 8);
  auto raw = zstd_decompress(pixels->bgra_zstd, pixels->raw_size);
  REQUIRE(raw.has_value());
  CHECK(std::equal(raw->begin(), raw->begin() + 64, screen.row(192) + 96 * 4));  // first row of the first block
  CHECK(std::equal(raw->end() - 64, raw->end(), screen.row(1079) + 1904 * 4));  // last row of the last block
}

TEST_CASE("encode_pixels leaves large, photographic or scattered changes to VP8") {
  BgraImage screen = test::text_image(1920, 1080, 5);
  CHECK_FALSE(host::encode_pixels(screen, std::vector<Rect>{Rect{0, 0, 256, 128}}).has_value());  // too large
  CHECK(host::encode_pixels(screen, std::vector<Rect>{Rect{0, 0, 128, 128}}).has_value());        // text: fine
  std::mt19937 rng(3);  // camera-like: every pixel differs
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 128 * 4; ++x) screen.row(y)[x] = static_cast<std::uint8_t>(96 + rng() % 64);
  CHECK_FALSE(host::encode_pixels(screen, std::vector<Rect>{Rect{0, 0, 128, 128}}).has_value());  // a photo
  std::vector<Rect> many(limits::kMaxUpdateRects + 1, Rect{500, 500, 1, 1});
  CHECK_FALSE(host::encode_pixels(screen, many).has_value());
  CHECK_FALSE(host::encode_pixels(screen, std::vector<Rect>{}).has_value());
  CHECK_FALSE(host::encode_pixels(screen, std::vector<Rect>{Rect{1920, 0, 16, 16}}).has_value());  // off screen
}

namespace {

// A screen that plays a script: each step changes the image and names what changed, one step per 40 ms,
// then stays still.
class ScriptedScreen final : public host::ScreenCapturer {
 public:
  using Step = std::function<std::vector<Rect>(BgraImage&)>;
  ScriptedScreen(BgraImage image, std::vector<Step> steps) : image_(std::move(image)), steps_(std::move(steps)) {}

  std::expected<std::optional<host::CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                   bool force_full) override {
    host::CapturedFrame frame;
    frame.image = &image_;
    frame.capture_time_us = monotonic_us();
    if (first_ || force_full) {
      first_ = false;
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
      next_ = Clock::now() + 40ms;
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
    next_ = Clock::now() + 40ms;
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
  std::size_t next_step_ = 0;
  bool first_ = true;
  Clock::time_point next_{};
};

}  // namespace

TEST_CASE("VideoStreamer: typing arrives as exact pixels, a new window as VP8, and the viewer shows both") {
  constexpr int kW = 1280, kH = 720, kTyped = 12;
  std::vector<ScriptedScreen::Step> steps;
  for (int i = 0; i < kTyped; ++i)
    steps.push_back([i](BgraImage& img) {
      const Rect cell{200 + 8 * i, 300, 8, 16};
      test::draw_text(img, cell, static_cast<std::uint32_t>(40 + i));
      return std::vector<Rect>{cell};
    });
  const Rect window{640, 96, 400, 300};
  steps.push_back([window](BgraImage& img) {  // a window of text opens: too large for exact pixels
    test::fill_rect(img, window, 0xf0f0f0u);
    for (int y = window.y; y + 16 <= window.y + window.height; y += 16)
      test::draw_text(img, Rect{window.x, y, window.width, 16}, static_cast<std::uint32_t>(y));
    return std::vector<Rect>{window};
  });
  auto owned = std::make_unique<ScriptedScreen>(test::text_image(kW, kH, 2), std::move(steps));
  ScriptedScreen& screen = *owned;
  host::VideoStreamer* streamer = nullptr;
  test::DecodingViewer viewer(streamer);
  host::VideoStreamer video(std::move(owned), viewer.callbacks());
  streamer = &video;
  video.start();
  while (!screen.done) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(1000ms);  // the window's top-off is due 250 ms after it appeared
  video.stop();

  const BgraImage shown = viewer.shown();
  INFO(viewer.video_frames() << " VP8 frames, " << viewer.pixel_updates() << " pixel updates, " << viewer.bytes()
                             << " bytes");
  CHECK(viewer.pixel_updates() == kTyped);
  CHECK(viewer.video_frames() >= 3);  // the keyframe, the window and its top-off
  CHECK(media::psnr(screen.final_image, shown, Rect{192, 288, 8 * kTyped + 16, 32}) >= 99.0);  // exact
  // After its top-off the window is as sharp as the rest, which only the first keyframe ever coded (dense
  // synthetic text: about 44-48 dB at keyframe quality).
  const double rest = media::psnr(screen.final_image, shown, Rect{0, 0, 600, kH});
  const double opened = media::psnr(screen.final_image, shown, window);
  INFO("window " << opened << " dB, rest " << rest << " dB");
  CHECK(rest >= 42.0);
  CHECK(opened >= rest - 1.0);
}
