// The one real-time test of the threaded VideoStreamer (the others run it turn by turn on a manual clock):
// on its own thread with the real clock, a moving test pattern streams to a viewer on another thread whose
// acknowledgements keep the pipeline going, and stop() ends the thread promptly.
#include <doctest/doctest.h>

#include <chrono>

#include "host/capture/screen_capturer.hpp"
#include "tests/host/decoding_viewer.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

TEST_CASE("VideoStreamer on its own thread streams a moving test pattern in real time and stops promptly") {
  host::VideoStreamer* streamer = nullptr;
  test::DecodingViewer viewer([&](const protocol::FrameAck& ack) { streamer->on_ack(ack); }, /*threaded=*/true);
  host::VideoStreamer video(host::make_test_pattern_capturer(640, 360), viewer.callbacks());
  streamer = &video;
  video.start();
  // The pattern changes 30 times a second. Without acknowledgements the streamer would stop at
  // FrameScheduler::kFloorFrames updates; a slow machine gets plenty of time.
  CHECK(viewer.wait_for_updates(30, 20s));
  const auto stopping = std::chrono::steady_clock::now();
  video.stop();
  const auto stop_took = std::chrono::steady_clock::now() - stopping;
  viewer.stop();  // handles what is queued, acknowledging into the stopped streamer
  INFO(viewer.video_frames() << " VP8 frames, " << viewer.pixel_updates() << " pixel updates");
  CHECK(viewer.video_frames() >= 1);  // the keyframe
  CHECK(static_cast<std::uint64_t>(viewer.video_frames() + viewer.pixel_updates()) == video.frames_sent());
  CHECK(stop_took < 1s);
}
