// The scaled motion stream (issue 17, capability kScaledFrame): which motion ScaledStream takes, and end to
// end through VideoStreamer (real planner, the real VP8 encoders, the codec and the viewer's PictureReceiver
// and RemotePicture) at 1080p on a manual clock: a text window dragged and resized at every step, its text
// laid out anew (the bench's "document move+resize"), goes as ScaledFrames after its first steps and ends
// exact once still; a viewer without the capability gets full-resolution frames. Also the viewer's side:
// a ScaledFrame is scaled up into its coded areas, and a broken one asks for a keyframe.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/scaled_stream.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/scripted_screen.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {

constexpr int kW = 1920, kH = 1080;

// The document window's place and size at step `i`.
Rect window_at(int i) {
  const double t = i / 30.0;
  return Rect{static_cast<int>(672 + 320 * std::sin(2 * M_PI * t / 4.0)),
              static_cast<int>(302 + 135 * std::sin(2 * M_PI * t / 3.0)),
              static_cast<int>(690 + 210 * std::sin(2 * M_PI * t / 2.5)),
              static_cast<int>(480 + 160 * std::sin(2 * M_PI * t / 3.5))};
}

// The bench's document: a text window whose place and size follow a Lissajous path, its text laid out anew
// at each size (another seed), over a text desktop that shows again where the window leaves.
std::vector<test::ScriptedScreen::Step> document_steps(int steps) {
  auto desktop = std::make_shared<const BgraImage>(test::text_image(kW, kH, 3));
  auto last = std::make_shared<Rect>(Rect{672, 302, 640, 480});
  std::vector<test::ScriptedScreen::Step> out;
  for (int i = 0; i < steps; ++i)
    out.push_back([desktop, last, i](BgraImage& img) {
      const Rect window = window_at(i);
      const Rect old = *last;
      for (int y = old.y; y < old.y + old.height; ++y)
        std::memcpy(img.row(y) + static_cast<std::size_t>(old.x) * 4,
                    desktop->row(y) + static_cast<std::size_t>(old.x) * 4, static_cast<std::size_t>(old.width) * 4);
      test::draw_text(img, window, 100 + static_cast<std::uint32_t>(i));
      *last = window;
      return std::vector<Rect>{old, window};
    });
  return out;
}

// `image` at half its size and back, as the scaled stream shows it (less VP8's loss).
BgraImage half_and_back(const BgraImage& image) {
  const int w = host::scaled_size(image.width), h = host::scaled_size(image.height);
  BgraImage half = BgraImage::make(w, h), back = BgraImage::make(image.width, image.height);
  media::scale_bgra_clip(image, half.pixels.data(), half.stride, w, h, Rect{0, 0, w, h});
  media::scale_bgra_clip(half, back.pixels.data(), back.stride, back.width, back.height,
                         Rect{0, 0, back.width, back.height});
  return back;
}

struct Outcome {
  double moving_db = 0, moving_half_db = 0, still_db = 0;
  int scaled_frames = 0, scaled_generations = 0, video_frames = 0, region_frames = 0;
  std::size_t bytes = 0;
};

constexpr int kSteps = 45;

Outcome play(bool scaled) {
  test::ScriptedSession session(test::text_image(kW, kH, 3), document_steps(kSteps), 33ms, {}, true, true,
                                /*regions=*/true, true, scaled);
  session.play();
  Outcome out;
  const Rect whole{0, 0, kW, kH}, window = window_at(kSteps - 1);
  out.moving_db = media::psnr(session.screen.final_image, session.viewer.shown(), window);
  out.moving_half_db = media::psnr(half_and_back(session.screen.final_image), session.viewer.shown(), window);
  session.run_for(2000ms);  // the top-off is due 250 ms after the motion stopped, the lossless pass after it
  out.still_db = media::psnr(session.screen.final_image, session.viewer.shown(), whole);
  out.scaled_frames = session.viewer.scaled_frames();
  out.scaled_generations = session.viewer.scaled_generations();
  out.video_frames = session.viewer.video_frames();
  out.region_frames = session.viewer.region_frames();
  out.bytes = session.viewer.bytes();
  MESSAGE(std::string(scaled ? "scaled stream: " : "full resolution: ")
          << out.scaled_frames << " scaled frames (" << out.scaled_generations << " generations), "
          << out.video_frames << " VP8 frames, " << out.region_frames << " region frames, " << out.bytes
          << " bytes; " << out.moving_db << " dB in the window at the last step (" << out.moving_half_db << " dB against it at half size), " << out.still_db << " dB once still");
  return out;
}

}  // namespace

TEST_CASE("ScaledStream: large motion frames in a row go scaled; one large change, small ones, or a pause do not") {
  host::ScaledStream stream(nullptr);  // a policy of 1/16 of the screen, 3 in a row, 100 ms apart at most
  const BgraImage screen = BgraImage::make(kW, kH);
  const std::vector<Rect> large{Rect{640, 320, 704, 480}};  // 16% of the screen
  const std::vector<Rect> small{Rect{640, 320, 320, 192}};  // 3%
  std::chrono::steady_clock::time_point now{};
  const auto at = [&](const std::vector<Rect>& coded, std::chrono::milliseconds after) {
    now += after;
    return stream.wants(coded, screen, now);
  };
  CHECK_FALSE(at(large, 0ms));  // a window opened: full resolution
  CHECK_FALSE(at(large, 33ms));
  CHECK(at(large, 33ms));  // the third in a row: motion that goes on
  CHECK(at(large, 33ms));
  CHECK_FALSE(at(small, 10ms));  // small frames keep full resolution, and do not end the run
  CHECK(at(large, 23ms));
  CHECK_FALSE(at(large, 150ms));  // a pause ends the run: it starts over
  CHECK_FALSE(at(large, 33ms));
  CHECK(at(large, 33ms));
  // Two large frames apart from each other, each 100 ms after the last, still count as one run.
  CHECK(at(large, 100ms));
}

TEST_CASE("VideoStreamer with the scaled stream: a document dragged and resized at 1080p goes scaled and ends exact") {
  const Outcome scaled = play(true);
  const Outcome full = play(false);
  // After the first steps (a run of large motion), the motion went as scaled frames, in one generation.
  CHECK(scaled.scaled_frames >= 35);
  CHECK(scaled.scaled_generations == 1);
  CHECK(full.scaled_frames == 0);  // without the capability: full-resolution frames only
  CHECK(full.video_frames >= 45);
  // While it moves the window shows the last step at half the resolution: this text of one-pixel strokes
  // blurs to ~14 dB (the full-resolution stream's motion quality: ~28 dB), but nothing is misplaced or
  // stale, since it matches the last step scaled down and up again within VP8's loss (~37 dB).
  CHECK(scaled.moving_db >= 12.0);
  CHECK(scaled.moving_half_db >= 32.0);
  CHECK(scaled.moving_half_db >= full.moving_half_db + 10.0);
  // Once still, the top-off and the lossless pass leave nothing at the lower resolution.
  CHECK(scaled.still_db >= 99.0);
  CHECK(full.still_db >= 99.0);
  // Fewer bytes than full resolution, including the refinements.
  CHECK(scaled.bytes < full.bytes);
}

TEST_CASE("PictureReceiver: a scaled frame is scaled up into its coded areas; a broken one asks for a keyframe") {
  // The host's side: a 64x48 screen coded at 32x24.
  const BgraImage screen = test::gradient_image(64, 48);
  BgraImage half = BgraImage::make(32, 24);
  media::scale_bgra_clip(screen, half.pixels.data(), half.stride, 32, 24, Rect{0, 0, 32, 24});
  auto made = host::make_vp8_encoder(host::EncoderSettings{32, 24, 2000, 30});
  REQUIRE(made);
  const auto frame_of = [&](bool keyframe, std::uint64_t ts) {
    auto encoded = (*made)->encode(host::EncodeRequest{&half, {Rect{0, 0, 32, 24}}, keyframe, false, ts});
    REQUIRE(encoded);
    REQUIRE(*encoded);
    return std::move((*encoded)->data);
  };
  const auto scaled_frame = [](bool keyframe, std::uint32_t generation, std::uint8_t scale,
                               std::vector<std::uint8_t> data) {
    return protocol::ScaledFrame{1, 1, 64, 48, keyframe, {}, generation, scale, {{16, 16, 32, 16}}, {},
                                 std::move(data)};
  };
  auto receiver = client::PictureReceiver::create();
  REQUIRE(receiver);
  const auto key = frame_of(true, 1000);
  const auto delta = frame_of(false, 34000);
  CHECK_FALSE(receiver->receive(scaled_frame(false, 1, 2, delta)));  // no keyframe for its generation yet
  auto shown = receiver->receive(scaled_frame(true, 1, 2, key));
  REQUIRE(shown);
  CHECK(shown->pixels_from == client::PixelsFrom::scaled);  // the frame trace tells it from exact pixels
  const auto& pixels = std::get<client::PixelsUpdate>(shown->content);
  CHECK(pixels.width == 64);
  CHECK(pixels.rects == std::vector<Rect>{Rect{16, 16, 32, 16}});
  REQUIRE(pixels.bgra.size() == 32 * 16 * 4);
  // The coded area shows the screen's gradient there, scaled down and up again.
  BgraImage area = BgraImage::make(32, 16), expected = BgraImage::make(32, 16);
  for (int y = 0; y < 16; ++y) {
    std::memcpy(area.row(y), pixels.bgra.data() + static_cast<std::size_t>(y) * 32 * 4, 32 * 4);
    std::memcpy(expected.row(y), screen.row(16 + y) + 16 * 4, 32 * 4);
  }
  CHECK(media::psnr(expected, area, Rect{0, 0, 32, 16}) >= 30.0);
  CHECK(receiver->receive(scaled_frame(false, 1, 2, delta)));
  // A delta of another generation, and a keyframe whose picture is not the screen divided by the scale.
  CHECK_FALSE(receiver->receive(scaled_frame(false, 2, 2, delta)));
  CHECK_FALSE(receiver->receive(scaled_frame(true, 3, 3, key)));
  CHECK(receiver->failures() == 3);
}
