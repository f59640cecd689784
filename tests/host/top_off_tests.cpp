// Quality top-off: the refined area ends as sharp as with a full-screen top-off while the rest keeps its
// quality; TopOffTracker's timing; and end to end through VideoStreamer (real encoder and decoder): after
// a scroll the picture is sharp within a second, also while a small area elsewhere keeps changing.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "client/decode/video_decoder.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/capture/frame_history.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/pipeline/top_off_tracker.hpp"
#include "host/pipeline/video_streamer.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/scripted_screen.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {
struct Codec {
  std::unique_ptr<host::VideoEncoder> encoder;
  std::unique_ptr<client::VideoDecoder> decoder;
  BgraImage shown;  // what the viewer shows now
  std::size_t feed(host::EncodeRequest request) {
    auto frame = encoder->encode(request);
    REQUIRE(frame);
    REQUIRE(frame->has_value());
    auto picture = decoder->decode((*frame)->data, (*frame)->keyframe);
    REQUIRE(picture);
    shown = media::i420_to_bgra(*picture);
    return (*frame)->data.size();
  }
};
Codec make_codec(int w, int h) {
  auto e = host::make_vp8_encoder(host::EncoderSettings{w, h, 300, 30});  // a starved rate: deltas are blurry
  auto d = client::make_vp8_decoder();
  REQUIRE(e);
  REQUIRE(d);
  return Codec{std::move(*e), std::move(*d), {}};
}
}  // namespace

TEST_CASE("a top-off of the changed area makes it as sharp as a full-screen top-off") {
  const int w = 1280, h = 720;
  BgraImage screen = test::gradient_image(w, h);
  const Rect area{320, 192, 320, 160};
  Codec partial = make_codec(w, h);
  Codec full = make_codec(w, h);
  // Frames a capture interval apart, as the streamer sends them (no faster than max_fps): libvpx's rate
  // control takes its frame rate from the timestamps, and back-to-back wall-clock stamps made the sharp
  // budget per frame depend on this machine's load.
  std::uint64_t ts = 1000;
  for (Codec* c : {&partial, &full}) c->feed({&screen, {}, true, false, ts});
  test::draw_text(screen, area, 7);  // typing: a block of text appears
  ts += 33'333;
  for (Codec* c : {&partial, &full}) c->feed({&screen, {area}, false, false, ts});
  const double blurry = media::psnr(screen, partial.shown, area);
  ts += 250'000;
  const std::size_t partial_bytes = partial.feed({&screen, {area}, false, true, ts});
  const std::size_t full_bytes = full.feed({&screen, {}, false, true, ts});
  const double sharp = media::psnr(screen, partial.shown, area);
  INFO("delta " << blurry << " dB, after area top-off " << sharp << " dB; bytes " << partial_bytes << " vs " << full_bytes);
  CHECK(sharp > blurry + 3);
  CHECK(sharp >= media::psnr(screen, full.shown, area) - 1.0);  // as sharp as the full-screen top-off
  CHECK(media::psnr(screen, partial.shown) > 35);  // the rest of the screen kept its keyframe quality
}

TEST_CASE("TopOffTracker: a copy moves blurred blocks with their content") {
  host::TopOffTracker t(250ms, 500ms);
  t.on_keyframe(64, 64);
  const host::TopOffTracker::TimePoint t0{1s};
  t.on_delta({Rect{0, 32, 64, 16}}, t0);  // block row 2 coded at motion quality
  t.on_copy(Rect{0, 0, 64, 48}, 0, 16, t0 + 10ms);  // everything moves up one block row
  CHECK(t.due(t0 + 10ms + 250ms) == std::vector<Rect>{Rect{0, 16, 64, 16}});  // now row 1, due from the move
  CHECK(t.due(t0 + 10ms + 249ms).empty());
  t.on_copy(Rect{0, 0, 64, 40}, 0, 24, t0 + 20ms);  // 24 rows: row 0 takes rows 24-39 (blocks 1 and 2)
  CHECK(t.due(t0 + 20ms + 250ms) == std::vector<Rect>{Rect{0, 0, 64, 16}});
  t.on_sharpened({Rect{0, 0, 64, 64}}, t0 + 270ms);
  CHECK_FALSE(t.pending());
}

TEST_CASE("TopOffTracker: a window dragged sideways carries its blocks' states along") {
  const host::TopOffTracker::TimePoint t0{1s};
  host::TopOffTracker t(250ms, 500ms, /*lossless_pass=*/true);
  t.on_keyframe(96, 64);
  t.on_exact({Rect{0, 0, 96, 64}});
  t.on_delta({Rect{16, 16, 16, 16}}, t0);  // block (1,1) blurred
  t.on_sharpened({Rect{32, 16, 16, 16}}, t0);  // block (2,1) sharp but lossy
  // Moved 40 right (half a block off the grid): x 16..48 lands on 56..88.
  t.on_copy(Rect{56, 16, 32, 32}, -40, 0, t0 + 10ms);
  // (3,1) is half covered by source x 16..24: blurred. (4,1) whole, from x 24..40: the worse, blurred.
  // (5,1) half covered from x 40..48: lossy. The source blocks keep what they had.
  CHECK(t.due(t0 + 10ms + 250ms) == std::vector<Rect>{Rect{16, 16, 16, 16}, Rect{48, 16, 32, 16}});
  CHECK(t.due(t0 + 10ms + 249ms).empty());  // moved blurred blocks wait like changed ones
  t.on_sharpened({Rect{16, 16, 16, 16}, Rect{48, 16, 32, 16}}, t0 + 260ms);
  CHECK(t.lossless_due(t0 + 10ms + 250ms) == std::vector<Rect>{Rect{16, 16, 80, 16}});  // all but (0,1) lossy
}

TEST_CASE("TopOffTracker: the lossless pass takes every sharp-but-lossy block once the screen settles") {
  host::TopOffTracker without(250ms, 500ms);
  without.on_keyframe(64, 48);
  CHECK_FALSE(without.pending());  // nothing could improve a keyframe: no candidates
  CHECK(without.lossless_due(std::chrono::steady_clock::time_point{10s}).empty());

  host::TopOffTracker t(250ms, 500ms, /*lossless_pass=*/true);
  t.on_keyframe(64, 48);
  const host::TopOffTracker::TimePoint t0{1s};
  CHECK(t.pending());
  CHECK(t.lossless_due(t0) == std::vector<Rect>{Rect{0, 0, 64, 48}});
  t.on_delta({Rect{16, 16, 16, 16}}, t0);  // every block is within two of it (see the video case below)
  CHECK(t.lossless_due(t0 + 249ms).empty());  // not settled
  CHECK(t.time_to_due(t0) == 250ms);
  CHECK(t.due(t0 + 250ms) == std::vector<Rect>{Rect{16, 16, 16, 16}});
  t.on_sharpened({Rect{16, 16, 16, 16}}, t0 + 250ms);  // the VP8 top-off: sharp, still lossy
  CHECK(t.due(t0 + 250ms).empty());
  CHECK(t.lossless_due(t0 + 250ms) == std::vector<Rect>{Rect{0, 0, 64, 48}});
  t.on_exact({Rect{0, 0, 64, 32}});         // text went exact...
  t.on_copy(Rect{0, 0, 64, 32}, 0, 16, t0 + 300ms);  // ...and scrolls up: row 1 now holds the lossy row 2
  CHECK(t.lossless_due(t0 + 549ms).empty());
  CHECK(t.lossless_due(t0 + 550ms) == std::vector<Rect>{Rect{0, 16, 64, 32}});
  t.on_kept_lossy({Rect{0, 16, 64, 32}});  // a photo: VP8's sharp quality is as good as it gets
  CHECK_FALSE(t.pending());
  CHECK(t.time_to_due(t0 + 600ms) == std::chrono::milliseconds::max());
  t.on_delta({Rect{0, 0, 16, 16}}, t0 + 600ms);
  t.on_kept_lossy({Rect{0, 0, 64, 48}});  // blurred blocks stay due for their top-off
  CHECK(t.due(t0 + 850ms) == std::vector<Rect>{Rect{0, 0, 16, 16}});
}

TEST_CASE("TopOffTracker: while a video plays, sharp blocks whose neighbourhood is still go to the lossless pass") {
  host::TopOffTracker t(250ms, 500ms, /*lossless_pass=*/true);
  t.on_keyframe(256, 128);  // 16 x 8 blocks
  t.on_exact({Rect{0, 0, 256, 128}});  // the lossless pass made the first picture exact
  const host::TopOffTracker::TimePoint t0{1s};
  const Rect text{0, 0, 64, 64}, beside{192, 0, 16, 16}, video{224, 0, 32, 32};  // beside: 2 blocks from the video
  t.on_delta({text, beside}, t0);  // a window's text moved, and a block next to the video changed once
  auto at = t0;
  const auto play_until = [&](host::TopOffTracker::TimePoint end) {
    for (; at < end; at += 40ms) {
      t.on_delta({video}, at);
      if (auto area = t.due(at); !area.empty()) t.on_sharpened(area, at);  // the top-off, as the sender does
    }
  };
  play_until(t0 + 560ms);  // the top-off came at 520 ms (busy_delay)
  CHECK(t.due(at).empty());
  CHECK(t.lossless_due(at).empty());  // sharp now, but not still for long enough
  play_until(t0 + 1249ms);
  CHECK(t.lossless_due(t0 + 1249ms).empty());
  CHECK(t.time_to_due(t0 + 1249ms) == 1ms);
  // A second after the text last changed, with nothing within two blocks of it changing since, and
  // `delay` more for others to join it: the text, and not the block beside the video, whose neighbourhood
  // never stops changing.
  CHECK(t.lossless_due(t0 + 1250ms) == std::vector<Rect>{text});
  t.on_exact({text});
  play_until(t0 + 3s);
  CHECK(t.lossless_due(at).empty());
  // The video stops: once the screen settles, every block that is not exact is a candidate.
  const auto stopped = at - 40ms;
  CHECK(t.lossless_due(stopped + 249ms).empty());
  const auto settled = t.lossless_due(stopped + 250ms);
  CHECK(settled.size() == 2);
  CHECK(std::ranges::count(settled, beside) == 1);
  CHECK(std::ranges::count(settled, video) == 1);
}

TEST_CASE("TopOffTracker: a quick keyframe's blocks try the lossless pass first, photos then get a top-off at once") {
  const host::TopOffTracker::TimePoint t0{1s};
  host::TopOffTracker t(250ms, 500ms, /*lossless_pass=*/true);
  t.on_quick_keyframe(64, 48, t0);
  CHECK(t.pending());
  CHECK(t.due(t0).empty());  // not a VP8 top-off first: most of a screen goes exact for fewer bytes
  CHECK(t.settled(t0));      // nothing is known to move: the lossless pass may start now
  CHECK(t.time_to_due(t0) == 0ms);
  CHECK(t.lossless_due(t0) == std::vector<Rect>{Rect{0, 0, 64, 48}});
  t.on_exact({Rect{0, 0, 64, 32}});        // text and flat UI went exact
  t.on_kept_lossy({Rect{0, 32, 64, 16}});  // a photo: still coarse, so due for its top-off now
  CHECK(t.due(t0) == std::vector<Rect>{Rect{0, 32, 64, 16}});
  t.on_sharpened({Rect{0, 32, 64, 16}}, t0);
  CHECK(t.lossless_due(t0) == std::vector<Rect>{Rect{0, 32, 64, 16}});  // sharp, still lossy: asked once more
  t.on_kept_lossy({Rect{0, 32, 64, 16}});
  CHECK_FALSE(t.pending());

  // Without exact pixels (an older viewer) only a top-off can sharpen it: all of it is due at once.
  host::TopOffTracker without(250ms, 500ms);
  without.on_quick_keyframe(64, 48, t0);
  CHECK(without.due(t0) == std::vector<Rect>{Rect{0, 0, 64, 48}});

  // A video plays from the start: the screen never settles, so the lossless pass cannot run; the coarse
  // rest is topped off after busy_delay like any area left behind by motion.
  host::TopOffTracker busy(250ms, 500ms, /*lossless_pass=*/true);
  busy.on_quick_keyframe(64, 48, t0);
  for (auto at = t0 + 40ms; at < t0 + 1750ms; at += 40ms) {
    busy.on_delta({Rect{48, 32, 16, 16}}, at);
    CHECK(busy.due(at).empty());
    CHECK(busy.lossless_due(at).empty());  // not settled
  }
  // Four busy_delays after the keyframe's "still since" (t0 - delay).
  CHECK(busy.time_to_due(t0 + 1720ms) == 30ms);
  busy.on_delta({Rect{48, 32, 16, 16}}, t0 + 1760ms);
  const auto area = busy.due(t0 + 1760ms);  // all but the video's block
  CHECK(area == std::vector<Rect>{Rect{0, 0, 64, 32}, Rect{0, 32, 48, 16}});
}

TEST_CASE("TopOffTracker: exact pixels over part of a blurred block leave the rest of it due") {
  host::TopOffTracker t(250ms, 500ms);
  t.on_keyframe(70, 40);  // the last block column is 6 pixels wide, the last row 8 high
  const host::TopOffTracker::TimePoint t0{1s};
  t.on_delta({Rect{0, 0, 70, 40}}, t0);  // everything coded at motion quality
  t.on_exact({Rect{3, 2, 8, 13}});     // a typed character inside block (0,0): the block stays blurred
  CHECK(t.due(t0 + 250ms) == std::vector<Rect>{Rect{0, 0, 70, 40}});
  t.on_exact({Rect{0, 0, 16, 16}, Rect{64, 32, 6, 8}});  // whole blocks, one of them clipped at the corner
  t.on_exact({Rect{16, 0, 48, 40}});                     // whole blocks: columns 1-3
  CHECK(t.due(t0 + 250ms) == std::vector<Rect>{Rect{64, 0, 6, 32}, Rect{0, 16, 16, 24}});
}

TEST_CASE("TopOffTracker: a still area is due after the delay, also while another area keeps changing") {
  host::TopOffTracker t(250ms, 500ms);
  t.on_keyframe(320, 240);
  const host::TopOffTracker::TimePoint t0{1s};
  CHECK(t.due(t0).empty());
  CHECK_FALSE(t.pending());
  t.on_delta({Rect{0, 0, 320, 160}}, t0);  // a scroll stops here
  CHECK(t.pending());
  CHECK_FALSE(t.settled(t0 + 249ms));
  CHECK(t.settled(t0 + 250ms));
  CHECK(t.due(t0 + 249ms).empty());
  CHECK(t.time_to_due(t0) == 250ms);
  // The whole screen stayed still: due at the delay, exactly the changed blocks.
  auto area = t.due(t0 + 250ms);
  REQUIRE(area.size() == 1);
  CHECK(area[0] == Rect{0, 0, 320, 160});

  // A blinking block keeps changing: the scrolled area waits for busy_delay, then is refined without it.
  for (auto at = t0 + 40ms; at < t0 + 600ms; at += 40ms) {
    t.on_delta({Rect{304, 224, 16, 16}}, at);
    if (at < t0 + 500ms) CHECK(t.due(at).empty());
    CHECK_FALSE(t.settled(at + 10ms));
  }
  area = t.due(t0 + 600ms);
  REQUIRE(area.size() == 1);
  CHECK(area[0] == Rect{0, 0, 320, 160});
  t.on_sharpened(area, t0 + 600ms);
  CHECK(t.pending());  // the blinking block
  CHECK(t.due(t0 + 600ms).empty());
  // Once it stops too, it is refined alone; a keyframe clears everything.
  area = t.due(t0 + 600ms + 250ms);
  REQUIRE(area.size() == 1);
  CHECK(area[0] == Rect{304, 224, 16, 16});
  t.on_keyframe(320, 240);
  CHECK_FALSE(t.pending());
}

namespace {
constexpr int kLine = 32;  // two 16-pixel text rows per frame, 60 rows per second

// Terminal-like text: rows of different lengths (as lines are) on a light background.
void draw_lines(BgraImage& img, Rect area, std::uint32_t seed) {
  test::fill_rect(img, area, 0xf4f4f4);
  for (int y = area.y; y + 16 <= area.y + area.height; y += 16) {
    const auto row = seed * 7919u + static_cast<std::uint32_t>(y);
    const int length = area.width * static_cast<int>(20 + row % 70) / 100 / 8 * 8;
    if (row % 5 != 0) test::draw_text(img, Rect{area.x, y, length, 16}, row);  // every fifth row is empty
  }
}

// A terminal-like screen on a manual clock: text scrolls for `scroll_frames` frames at 30 fps, then the
// text stays still; a 16x16 "cursor" in the bottom-right corner keeps blinking every 40 ms when `blink` is
// set (a held key, a spinner, a video: something that never lets the whole screen be still). Waiting for
// damage advances the clock.
class ScrollThenStill final : public host::ScreenCapturer {
 public:
  ScrollThenStill(ManualClock& clock, int w, int h, int scroll_frames, bool blink)
      : clock_(clock), image_(BgraImage::make(w, h)), scroll_frames_(scroll_frames), blink_(blink) {
    draw_lines(image_, Rect{0, 0, w, h}, 3);
  }

  std::expected<std::optional<host::CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                   bool force_full) override {
    const bool scrolling = step_ < scroll_frames_;
    if (!first_ && !force_full) {
      if ((!scrolling && !blink_) || next_ > clock_.now() + wait) {
        clock_.advance(wait);
        return std::optional<host::CapturedFrame>{};
      }
      if (next_ > clock_.now()) clock_.advance(next_ - clock_.now());
    }
    host::CapturedFrame frame;
    frame.image = &image_;
    if (first_ || force_full) {
      history_.forget();
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
    } else if (scrolling) {
      history_.catch_up(image_);
      scroll();
      frame.dirty = {Rect{0, 0, image_.width, image_.height}};
    } else {
      history_.catch_up(image_);
      test::fill_rect(image_, blink_area(), (blinks_++ % 2) != 0 ? 0x202020u : 0xf4f4f4u);
      frame.dirty = {blink_area()};
    }
    first_ = false;
    next_ = clock_.now() + (step_ < scroll_frames_ ? 33ms : 40ms);
    frame.capture_time_us = test::clock_us(clock_);
    history_.hand_out(frame);
    return frame;
  }
  std::expected<host::CursorState, Error> cursor() override { return host::CursorState{}; }
  int width() const override { return image_.width; }
  int height() const override { return image_.height; }

  // The text as it stands once the scroll is over (set with `stopped`).
  BgraImage final_text;
  bool stopped = false;

 private:
  Rect blink_area() const { return Rect{image_.width - 32, image_.height - 32, 16, 16}; }
  void scroll() {
    const int h = image_.height;
    std::memmove(image_.row(0), image_.row(kLine), static_cast<std::size_t>(image_.stride) * static_cast<std::size_t>(h - kLine));
    draw_lines(image_, Rect{0, h - kLine, image_.width, kLine}, static_cast<std::uint32_t>(step_ + 100));
    if (++step_ == scroll_frames_) {
      final_text = image_;
      stopped = true;
    }
  }

  ManualClock& clock_;
  BgraImage image_;
  host::FrameHistory history_;
  int scroll_frames_;
  bool blink_;
  int step_ = 0;
  int blinks_ = 0;
  bool first_ = true;
  std::chrono::steady_clock::time_point next_{};
};

// Streams a scroll at a starved bitrate (motion frames are blurry) and returns the PSNR of the text, away
// from the blinking cursor, as the viewer shows it `after` the scroll stopped, and just before it stopped.
std::pair<double, double> text_psnr_after_scroll(bool blink, std::chrono::milliseconds after) {
  const int w = 1280, h = 720;
  ManualClock clock;
  auto owned = std::make_unique<ScrollThenStill>(clock, w, h, 30, blink);
  ScrollThenStill& screen = *owned;
  // VP8 only: with exact pixels the scrolled text arrives exact and there is nothing to refine.
  test::StreamedSession session(clock, std::move(owned), host::SchedulerConfig{.max_kbps = 2000, .min_kbps = 300},
                                /*exact_pixels=*/false);
  const test::DecodingViewer& viewer = session.viewer;
  REQUIRE(session.run_until([&] { return screen.stopped; }));
  session.run_for(60ms);  // the last motion frame has been sent
  const Rect text{0, 0, w, h - 48};   // all but the bottom rows with the cursor
  const double moving = media::psnr(screen.final_text, viewer.shown(), text);
  session.run_for(after - 60ms);
  const double sharp = media::psnr(screen.final_text, viewer.shown(), text);
  return {moving, sharp};
}
}  // namespace

TEST_CASE("after a scroll the viewer's picture is sharp within a second") {
  const auto [moving, sharp] = text_psnr_after_scroll(false, 1000ms);
  INFO("text while scrolling " << moving << " dB, 1 s after it stopped " << sharp << " dB");
  CHECK(moving < 45);  // the starved rate blurs motion: the top-off has something to do
  CHECK(sharp >= 45);
}

TEST_CASE("after a scroll the picture is sharp within a second while a small area keeps changing") {
  const auto [moving, sharp] = text_psnr_after_scroll(true, 1000ms);
  INFO("text while scrolling " << moving << " dB, 1 s after it stopped " << sharp << " dB");
  CHECK(moving < 45);
  CHECK(sharp >= 45);
}

TEST_CASE("TopOffTracker: while motion goes on, the trail it leaves is refined every busy_delay, all of it once still") {
  host::TopOffTracker t(250ms, 500ms);
  t.on_keyframe(512, 64);  // 32 x 4 blocks
  const host::TopOffTracker::TimePoint t0{1s};
  std::vector<host::TopOffTracker::TimePoint> top_offs;
  // A window dragged right one block every 40 ms for 1.2 s: each block it leaves is coded once, the window
  // itself (the block after it) at every step.
  auto at = t0;
  for (int step = 0; step < 30; ++step, at += 40ms) {
    t.on_delta({Rect{step * 16, 0, 32, 16}}, at);
    for (auto look = at; look < at + 40ms; look += 10ms) {
      if (auto area = t.due(look); !area.empty()) {
        top_offs.push_back(look);
        t.on_sharpened(area, look);
      } else {
        CHECK(t.time_to_due(look) > 0ms);  // the loop waits: never due now with nothing to give
      }
    }
  }
  // The first when the oldest block has waited busy_delay, then one every busy_delay: not at every delay.
  REQUIRE(top_offs.size() >= 2);
  CHECK(top_offs.front() == t0 + 500ms);
  for (std::size_t i = 1; i < top_offs.size(); ++i) CHECK(top_offs[i] - top_offs[i - 1] >= 500ms);
  // Once still, everything left is due at the delay.
  const auto last = at - 40ms;
  CHECK(t.due(last + 249ms).empty());
  const auto rest = t.due(last + 250ms);
  CHECK_FALSE(rest.empty());
  t.on_sharpened(rest, last + 250ms);
  CHECK(t.due(last + 1s).empty());
}
