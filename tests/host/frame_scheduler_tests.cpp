#include <doctest/doctest.h>

#include "common/clock.hpp"
#include "host/pipeline/frame_scheduler.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
using namespace std::chrono_literals;

TEST_CASE("a new viewer starts with a keyframe, later keyframes only on request") {
  ManualClock clock;
  FrameScheduler s(clock, {});
  CHECK(s.take_keyframe_request());
  CHECK_FALSE(s.take_keyframe_request());
  s.request_keyframe();
  CHECK(s.take_keyframe_request());
  CHECK_FALSE(s.take_keyframe_request());
}

TEST_CASE("at most max_in_flight unacknowledged frames, released by acks in order") {
  ManualClock clock;
  FrameScheduler s(clock, SchedulerConfig{.max_fps = 1000, .max_in_flight = 2});
  clock.advance(1s);
  CHECK(s.can_send());
  s.on_sent(1, 1000);
  clock.advance(5ms);
  CHECK(s.can_send());
  s.on_sent(2, 1000);
  clock.advance(5ms);
  CHECK_FALSE(s.can_send());  // two in flight: a slow link holds the pipeline instead of a queue
  CHECK(s.in_flight() == 2);
  CHECK(s.on_ack(2));         // acking the newer frame also acknowledges the older one
  CHECK(s.in_flight() == 0);
  CHECK(s.can_send());
  CHECK_FALSE(s.on_ack(2));   // duplicates and unknown ids are ignored
  CHECK_FALSE(s.on_ack(99));
}

TEST_CASE("frames are paced to max_fps") {
  ManualClock clock;
  FrameScheduler s(clock, SchedulerConfig{.max_fps = 25});
  clock.advance(1s);
  s.on_sent(1, 100);
  s.on_ack(1);
  CHECK_FALSE(s.can_send());
  CHECK(s.wait_hint() > 0ms);
  CHECK(s.wait_hint() <= 41ms);
  clock.advance(39ms);
  CHECK_FALSE(s.can_send());
  clock.advance(1ms);
  CHECK(s.can_send());
  CHECK(s.wait_hint() == 0ms);
}

TEST_CASE("late acks on a saturated link lower the bitrate target, a healthy link raises it back") {
  ManualClock clock;
  SchedulerConfig config{.max_fps = 30, .max_in_flight = 2, .max_kbps = 8000, .min_kbps = 300};
  FrameScheduler s(clock, config);
  CHECK(s.target_kbps() == 8000);
  std::uint64_t id = 0;
  // 2 s of a link that delivers 25 kB per 250 ms ack delay: about 800 kbit/s.
  for (int i = 0; i < 8; ++i) {
    s.on_sent(++id, 25000);
    s.on_sent(++id, 25000);
    clock.advance(250ms);
    s.on_ack(id);
  }
  CHECK(s.ack_delay() >= 200ms);
  CHECK(s.target_kbps() < 2000);
  CHECK(s.target_kbps() >= config.min_kbps);
  const int lowered = s.target_kbps();
  // Then fast acks and no saturation: the target climbs again.
  for (int i = 0; i < 60; ++i) {
    s.on_sent(++id, 1000);
    clock.advance(5ms);
    s.on_ack(id);
    clock.advance(95ms);
  }
  CHECK(s.target_kbps() > lowered);
}
