// The region stream (issue 17, capability kRegionStream): the pure RegionPicker policy, and end to end
// through VideoStreamer (real planner, both real VP8 encoders, the codec and the viewer's PictureReceiver
// and RemotePicture) at 1080p on a manual clock: a 640x360 video goes as RegionFrames, the viewer's
// picture matches the screen, tops off like a full-frame stream's, and a region that moves or a change
// that escapes it is handled; a viewer without the capability gets only VideoFrames.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/region_picker.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/scripted_screen.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {

constexpr int kW = 1920, kH = 1080;

// A frame of "video": smooth colour that moves a few pixels a frame, with a little grain.
void draw_video(BgraImage& img, Rect area, int frame) {
  std::mt19937 rng(static_cast<std::uint32_t>(frame));
  for (int y = area.y; y < area.y + area.height; ++y)
    for (int x = area.x; x < area.x + area.width; ++x) {
      std::uint8_t* p = img.row(y) + static_cast<std::size_t>(x) * 4;
      const int u = x - area.x + 3 * frame, v = y - area.y + 2 * frame;
      p[0] = static_cast<std::uint8_t>(u / 3 + rng() % 2);
      p[1] = static_cast<std::uint8_t>(v / 2 + rng() % 2);
      p[2] = static_cast<std::uint8_t>((u + v) / 5 + 40 + rng() % 2);
      p[3] = 0xff;
    }
}

// `frames` frames of video in `area`, one a step.
void add_video(std::vector<test::ScriptedScreen::Step>& steps, Rect area, int frames, int first = 0) {
  for (int i = 0; i < frames; ++i)
    steps.push_back([area, i, first](BgraImage& img) {
      draw_video(img, area, first + i);
      return std::vector<Rect>{area};
    });
}

struct Outcome {
  double moving_db = 0, still_db = 0, text_still_db = 0;
  int region_frames = 0, video_frames = 0, generations = 0;
  std::size_t bytes = 0;
};

// Plays `steps` over a text desktop at 1080p to a viewer with (or without) kRegionStream; `video` is where
// the PSNR of the moving picture is measured, `text` a still text area that must end exact.
Outcome play(std::vector<test::ScriptedScreen::Step> steps, bool regions, Rect video, Rect text) {
  test::ScriptedSession session(test::text_image(kW, kH, 3), std::move(steps), 33ms, {}, true, true, regions);
  session.play();
  Outcome out;
  out.moving_db = media::psnr(session.screen.final_image, session.viewer.shown(), video);
  session.run_for(1500ms);  // the top-off is due 250 ms after the motion stopped, the lossless pass after it
  const BgraImage shown = session.viewer.shown();
  out.still_db = media::psnr(session.screen.final_image, shown, video);
  out.text_still_db = media::psnr(session.screen.final_image, shown, text);
  out.region_frames = session.viewer.region_frames();
  out.video_frames = session.viewer.video_frames();
  out.generations = session.viewer.region_generations();
  out.bytes = session.viewer.bytes();
  MESSAGE(std::string(regions ? "region stream: " : "full frames: ") << out.region_frames << " region frames ("
          << out.generations << " generations), " << out.video_frames << " VP8 frames, " << out.bytes
          << " bytes; video " << out.moving_db << " dB moving, " << out.still_db << " dB still; text "
          << out.text_still_db << " dB");
  return out;
}

}  // namespace

TEST_CASE("RegionPicker: steady damage in a small area becomes a region after a few frames") {
  host::RegionPicker picker;
  const Rect video{600, 300, 640, 360};
  for (int i = 0; i < 3; ++i) CHECK_FALSE(picker.place({video}, kW, kH));  // not yet: min_frames
  const auto region = picker.place({video}, kW, kH);
  REQUIRE(region);
  CHECK(host::contains(*region, video));
  CHECK(region->x % 16 == 0);
  CHECK(region->y % 16 == 0);
  CHECK(region->width % 16 == 0);
  CHECK(static_cast<long>(region->width) * region->height <= 2L * 640 * 360);
  // Damage inside keeps it, unchanged (no new generation for every frame).
  CHECK(picker.place({Rect{700, 400, 100, 100}}, kW, kH) == region);
  CHECK(picker.place({video}, kW, kH) == region);
}

TEST_CASE("RegionPicker: damage that escapes a little grows the region, far away drops it, then it returns") {
  host::RegionPicker picker(host::RegionPolicy{.min_gap = 0});
  const Rect video{600, 300, 640, 360};
  for (int i = 0; i < 4; ++i) picker.place({video}, kW, kH);
  const Rect first = *picker.region();
  // A window dragged past its edge: the region grows around both.
  const Rect beside{first.x + first.width, 320, 64, 64};
  const auto grown = picker.place({beside}, kW, kH);
  REQUIRE(grown);
  CHECK(host::contains(*grown, first));
  CHECK(host::contains(*grown, beside));
  // A change over most of the screen: back to full frames, and they stay full while it is remembered.
  CHECK_FALSE(picker.place({Rect{0, 0, kW, kH}}, kW, kH));
  for (int i = 0; i < 7; ++i) CHECK_FALSE(picker.place({video}, kW, kH));
  // Once the history holds only the video again, a region comes back.
  const auto again = picker.place({video}, kW, kH);
  REQUIRE(again);
  CHECK(host::contains(*again, video));
}

TEST_CASE("RegionPicker: at most one new region every min_gap frames; an escape in between drops it") {
  host::RegionPicker picker(host::RegionPolicy{.short_life = 0});  // min_gap 30, no backoff
  const Rect video{600, 300, 640, 360};
  for (int i = 0; i < 4; ++i) picker.place({video}, kW, kH);
  REQUIRE(picker.region());
  // Escaping right after the start: no growth (that would be a second keyframe within the gap), unless
  // the region was placed too tight (the next test).
  CHECK_FALSE(picker.place({Rect{video.x + video.width + 40, 320, 64, 64}}, kW, kH));
  int call = 5;  // calls so far; the region started at the 4th
  while (call < 100) {
    ++call;
    if (picker.place({video}, kW, kH)) break;
  }
  CHECK(call - 4 == 30);  // back only once 30 frames passed since the region started
}

TEST_CASE("RegionPicker: a region placed too tight grows at once in its first frames, without backing the gap off") {
  host::RegionPicker picker;  // min_gap 30, short_life 90, max_gap 240
  const Rect video{600, 300, 640, 360};
  const Rect first_frames{700, 300, 540, 360};  // a video whose first frames changed only its right part
  for (int i = 0; i < 3; ++i) CHECK_FALSE(picker.place({first_frames}, kW, kH));
  REQUIRE(picker.place({first_frames}, kW, kH));
  for (int i = 0; i < 4; ++i) REQUIRE(picker.place({first_frames}, kW, kH));
  // The whole video changes: before, the region was dropped (a new one within min_gap), counted as
  // short-lived, and the next came 60 frames after it started (S2's poor pass: ~150).
  const auto grown = picker.place({video}, kW, kH);
  REQUIRE(grown);
  CHECK(host::contains(*grown, video));
  for (int i = 0; i < 5; ++i) REQUIRE(picker.place({video}, kW, kH) == grown);
  // Only once: escaped again in its first frames, even so, it is dropped (a new region within the gap).
  CHECK_FALSE(picker.place({Rect{500, 250, 840, 460}}, kW, kH));
}

TEST_CASE("RegionPicker: regions that damage escapes soon after they start come ever more rarely; one that holds resets that") {
  host::RegionPicker picker;  // min_gap 30, short_life 90, max_gap 240
  const Rect video{600, 300, 640, 360};
  const Rect far{1800, 1000, 64, 64};  // with the video's region, more than max_share of the screen
  // Frames fed (the video's damage) until a region starts, counting the one that starts it.
  const auto frames_until_region = [&] {
    int frames = 1;
    while (frames < 1000 && !picker.place({video}, kW, kH)) ++frames;
    return frames;
  };
  CHECK(frames_until_region() == 4);  // min_frames
  // Roaming motion: each region is escaped right after its start, so each next one comes twice as late.
  std::vector<int> start_to_start;
  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(picker.place({far}, kW, kH));
    start_to_start.push_back(1 + frames_until_region());
  }
  CHECK(start_to_start == std::vector<int>{60, 120, 240, 240});
  // A region that holds for short_life frames sets the gap back: the next short-lived one doubles min_gap.
  for (int i = 0; i < 90; ++i) REQUIRE(picker.place({video}, kW, kH));
  CHECK_FALSE(picker.place({far}, kW, kH));
  frames_until_region();  // the far damage leaves the history; the gap has passed long ago
  CHECK_FALSE(picker.place({far}, kW, kH));
  CHECK(1 + frames_until_region() == 60);
  // So does one that settles into a smaller part (a window dragged, then its video left playing): it
  // shrinks once the gap (now 60) allows, and the next short-lived one doubles min_gap, not 60.
  const Rect corner{640, 320, 160, 120};
  int frames = 0;
  while (frames < 200 && picker.region()->width > 400) {
    REQUIRE(picker.place({corner}, kW, kH));
    ++frames;
  }
  CHECK(frames == 60);
  CHECK_FALSE(picker.place({far}, kW, kH));
  CHECK(1 + frames_until_region() == 60);
}

TEST_CASE("RegionPicker: a region shrinks when the damage settles in a much smaller part; a new size resets") {
  host::RegionPicker picker(host::RegionPolicy{.min_gap = 0});
  const Rect wide{200, 200, 1000, 500}, small{300, 300, 160, 120};
  for (int i = 0; i < 4; ++i) picker.place({wide}, kW, kH);
  const Rect big = *picker.region();
  for (int i = 0; i < 8; ++i) picker.place({small}, kW, kH);
  REQUIRE(picker.region());
  CHECK(host::contains(*picker.region(), small));
  CHECK(picker.region()->width * picker.region()->height * 2 < big.width * big.height);
  CHECK_FALSE(picker.place({small}, 1280, 720));  // another screen: starts over
}

TEST_CASE("VideoStreamer with the region stream: a 640x360 video at 1080p goes as region frames and ends sharp") {
  const Rect video{608, 304, 640, 360}, text{64, 64, 256, 128};
  std::vector<test::ScriptedScreen::Step> steps;
  add_video(steps, video, 30);
  const Outcome region = play(steps, true, video, text);
  const Outcome full = play(steps, false, video, text);

  // Nearly every video frame went as a region frame, in one generation; the main stream carried the
  // keyframe (quick and coarse, so a top-off of the desktop follows it), the first frames before the
  // region started, and the refinements.
  CHECK(region.region_frames >= 24);
  CHECK(region.generations == 1);
  CHECK(region.video_frames <= 9);
  CHECK(full.region_frames == 0);  // without the capability: today's frames only
  CHECK(full.video_frames >= 30);
  // The picture matches while moving (VP8 at motion quality, like the full-frame stream) and ends as sharp
  // as the full-frame stream's: the top-off covers the pixels that came from the region stream.
  CHECK(region.moving_db >= 28.0);
  CHECK(region.moving_db >= full.moving_db - 2.0);
  CHECK(region.still_db > region.moving_db + 1.0);  // refined once still
  CHECK(region.still_db >= full.still_db - 0.5);
  CHECK(region.text_still_db >= 99.0);  // untouched text stays exact
  // Bytes comparable with the full-frame stream (the region's keyframe is at motion quality).
  CHECK(region.bytes <= full.bytes * 3 / 2);
}

TEST_CASE("VideoStreamer with the region stream: a video that moves starts a new generation; a full-screen change falls back") {
  const Rect first{160, 160, 640, 360}, second{1120, 640, 640, 360}, text{64, 900, 256, 128};
  std::vector<test::ScriptedScreen::Step> steps;
  // Long enough in the first place to count as a region that held (RegionPolicy::short_life): the next
  // region may come at once, not after a backoff.
  add_video(steps, first, 100);
  add_video(steps, second, 12, 100);  // far away: the region cannot grow over both
  steps.push_back([](BgraImage& img) {  // a full-screen change: full frames
    test::draw_noise(img, Rect{0, 0, kW, kH}, 7);
    return std::vector<Rect>{Rect{0, 0, kW, kH}};
  });
  add_video(steps, second, 24, 112);  // the second place's region was short-lived: full frames may follow
  const Outcome region = play(steps, true, second, text);
  const Outcome full = play(steps, false, second, text);
  CHECK(region.generations >= 2);  // the first place, the second
  CHECK(region.region_frames >= 90);
  CHECK(region.video_frames >= 3);  // keyframe, the full-screen change, frames while it is remembered
  CHECK(region.still_db >= full.still_db - 0.5);  // as sharp as the full-frame stream once still
  CHECK(region.text_still_db >= full.text_still_db - 0.5);
}

TEST_CASE("PictureReceiver: a region delta without its generation's keyframe, or of the wrong size, asks for a keyframe") {
  auto made = host::make_vp8_encoder(host::EncoderSettings{64, 48, 1000, 30});
  REQUIRE(made);
  host::VideoEncoder& encoder = **made;
  BgraImage picture = test::gradient_image(64, 48);
  const auto frame_of = [&](bool keyframe, std::uint64_t ts) {
    auto encoded = encoder.encode(host::EncodeRequest{&picture, {Rect{0, 0, 64, 48}}, keyframe, false, ts});
    REQUIRE(encoded);
    REQUIRE(*encoded);
    return std::move((*encoded)->data);
  };
  const auto region_frame = [](bool keyframe, std::uint32_t generation, protocol::ScreenRect region,
                               std::vector<std::uint8_t> data) {
    return protocol::RegionFrame{1, 1, 640, 480, keyframe, {}, generation, region, {{region.x, region.y, 16, 16}}, {},
                                 std::move(data)};
  };
  auto receiver = client::PictureReceiver::create();
  REQUIRE(receiver);
  const auto key = frame_of(true, 1000);
  const auto delta = frame_of(false, 34000);
  // A delta first: no decoder for its generation yet.
  CHECK_FALSE(receiver->receive(region_frame(false, 1, {32, 32, 64, 48}, delta)));
  // Its keyframe, then the delta: both decode, as exact pixels of the coded block at the screen position.
  auto shown = receiver->receive(region_frame(true, 1, {32, 32, 64, 48}, key));
  REQUIRE(shown);
  CHECK(shown->pixels_from == client::PixelsFrom::region);
  const auto& pixels = std::get<client::PixelsUpdate>(shown->content);
  CHECK(pixels.width == 640);
  CHECK(pixels.rects == std::vector<Rect>{Rect{32, 32, 16, 16}});
  CHECK(pixels.bgra.size() == 16 * 16 * 4);
  CHECK(receiver->receive(region_frame(false, 1, {32, 32, 64, 48}, delta)));
  // A delta of another generation, and a keyframe whose picture is not the region's size.
  CHECK_FALSE(receiver->receive(region_frame(false, 2, {32, 32, 64, 48}, delta)));
  CHECK_FALSE(receiver->receive(region_frame(true, 3, {32, 32, 80, 48}, key)));
  CHECK(receiver->failures() == 3);
}
