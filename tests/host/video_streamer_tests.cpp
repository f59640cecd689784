// The video loop turn by turn on a manual clock: the injected encoder factory (a failure is retried as a
// keyframe), and flow control as the loop sees it (no acknowledgement, no more updates).
#include <doctest/doctest.h>

#include <chrono>
#include <tuple>

#include "protocol/limits.hpp"
#include "tests/host/scripted_screen.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {

// A screen where a 16x16 marker flips every 40 ms, for `steps` steps.
std::vector<test::ScriptedScreen::Step> flips(int steps) {
  std::vector<test::ScriptedScreen::Step> out;
  for (int i = 0; i < steps; ++i)
    out.push_back([i](BgraImage& img) {
      test::fill_rect(img, Rect{64, 64, 16, 16}, i % 2 ? 0xffffffu : 0x000000u);
      return std::vector<Rect>{Rect{64, 64, 16, 16}};
    });
  return out;
}

}  // namespace

TEST_CASE("VideoStreamer: an encoder that cannot be made is asked for again, and the keyframe follows") {
  ManualClock clock;
  clock.advance(1s);
  int made = 0;
  host::StreamerParts parts{&clock, [&](const host::EncoderSettings& settings)
                                        -> std::expected<std::unique_ptr<host::VideoEncoder>, Error> {
                              if (++made == 1) return std::unexpected(make_error(ErrorCode::unavailable, "no codec"));
                              return host::make_vp8_encoder(settings);
                            }};
  std::vector<protocol::VideoFrame> frames;
  host::StreamerCallbacks callbacks;
  callbacks.send_frame = [&](protocol::VideoFrame f) { frames.push_back(std::move(f)); };
  host::VideoStreamer video(std::make_unique<test::ScriptedScreen>(clock, test::text_image(320, 240, 5), flips(0)),
                            std::move(callbacks), {}, std::move(parts));
  video.step();  // the first capture: the encoder cannot be made, nothing goes out
  CHECK(made == 1);
  CHECK(frames.empty());
  video.step();  // the keyframe is asked for again
  CHECK(made == 2);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].keyframe);
  CHECK(frames[0].width == 320);
}

TEST_CASE("VideoStreamer: without acknowledgements the loop stops at the scheduler's floor and waits") {
  ManualClock clock;
  clock.advance(1s);
  std::vector<std::uint64_t> sent;
  host::StreamerCallbacks callbacks;
  callbacks.send_frame = [&](protocol::VideoFrame f) { sent.push_back(f.frame_id); };
  callbacks.send_pixels = [&](protocol::PixelUpdate p) { sent.push_back(p.frame_id); };
  host::VideoStreamer video(std::make_unique<test::ScriptedScreen>(clock, test::text_image(320, 240, 5), flips(10)),
                            std::move(callbacks), {}, host::StreamerParts{&clock, {}});
  for (int turn = 0; turn < 200; ++turn) clock.advance(video.step().wait);  // 10 flips would take 400 ms
  CHECK(sent.size() == host::FrameScheduler::kFloorFrames);  // no path estimate yet
  const host::VideoStreamer::Turn waiting = video.step();
  CHECK_FALSE(waiting.finished);
  CHECK(waiting.wait >= 5ms);
  video.on_ack(protocol::FrameAck{sent.back(), 0, 0});  // the viewer caught up: both are acknowledged
  for (int turn = 0; turn < 200 && sent.size() < host::FrameScheduler::kFloorFrames + 1; ++turn)
    clock.advance(video.step().wait);
  CHECK(sent.size() == host::FrameScheduler::kFloorFrames + 1);
}

TEST_CASE("VideoStreamer: the layout is reported at the start and every MonitorSelect is answered") {
  ManualClock clock;
  clock.advance(1s);
  using Cause = host::StreamerCallbacks::LayoutCause;
  std::vector<std::tuple<Cause, bool, Rect>> reports;
  host::StreamerCallbacks callbacks;
  callbacks.send_frame = [](protocol::VideoFrame) {};
  callbacks.on_layout = [&](const host::MonitorLayout& l, Cause cause, bool accepted) {
    reports.emplace_back(cause, accepted, l.area);
  };
  host::VideoStreamer video(std::make_unique<test::ScriptedScreen>(clock, test::text_image(320, 240, 5), flips(0)),
                            std::move(callbacks), {}, host::StreamerParts{&clock, {}});
  video.step();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0] == std::tuple{Cause::started, true, Rect{0, 0, 320, 240}});
  video.step();
  CHECK(reports.size() == 1);  // nothing changed, nothing reported
  video.select_monitor(3);     // this screen has no monitors: refused, still answered
  video.step();
  REQUIRE(reports.size() == 2);
  CHECK(reports[1] == std::tuple{Cause::selected, false, Rect{0, 0, 320, 240}});
  video.select_monitor(-1);
  video.step();
  REQUIRE(reports.size() == 3);
  CHECK(reports[2] == std::tuple{Cause::selected, true, Rect{0, 0, 320, 240}});
}
