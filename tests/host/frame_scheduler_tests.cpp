#include <doctest/doctest.h>

#include "common/clock.hpp"
#include "host/pipeline/frame_scheduler.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
using namespace std::chrono_literals;

namespace {
// An ack from a viewer that took no time of its own (decode_us and present_us 0).
protocol::FrameAck ack(std::uint64_t id) { return protocol::FrameAck{id, 0, 0}; }
}  // namespace

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
  CHECK(s.on_ack(ack(2)));         // acking the newer frame also acknowledges the older one
  CHECK(s.in_flight() == 0);
  CHECK(s.can_send());
  CHECK_FALSE(s.on_ack(ack(2)));   // duplicates and unknown ids are ignored
  CHECK_FALSE(s.on_ack(ack(99)));
}

TEST_CASE("frames are paced to max_fps") {
  ManualClock clock;
  FrameScheduler s(clock, SchedulerConfig{.max_fps = 25});
  clock.advance(1s);
  s.on_sent(1, 100);
  s.on_ack(ack(1));
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
    s.on_ack(ack(id));
  }
  CHECK(s.ack_delay() >= 200ms);
  CHECK(s.target_kbps() < 2000);
  CHECK(s.target_kbps() >= config.min_kbps);
  const int lowered = s.target_kbps();
  // Then fast acks and no saturation: the target climbs again.
  for (int i = 0; i < 60; ++i) {
    s.on_sent(++id, 1000);
    clock.advance(5ms);
    s.on_ack(ack(id));
    clock.advance(95ms);
  }
  CHECK(s.target_kbps() > lowered);
}

TEST_CASE("max_in_flight comes from the protocol's limit and cannot exceed it") {
  ManualClock clock;
  FrameScheduler s(clock, SchedulerConfig{.max_fps = 1000, .max_in_flight = 10});
  clock.advance(1s);
  for (std::uint64_t id = 1; id <= limits::kMaxFramesInFlight; ++id) {
    CHECK(s.can_send());
    s.on_sent(id, 100);
    clock.advance(2ms);
  }
  CHECK_FALSE(s.can_send());  // 10 asked for, the protocol allows kMaxFramesInFlight
  CHECK(SchedulerConfig{}.max_in_flight == limits::kMaxFramesInFlight);
}

TEST_CASE("the viewer's decode and present time is not taken for a slow link") {
  ManualClock clock;
  SchedulerConfig config{.max_fps = 30, .max_in_flight = 2, .max_kbps = 8000, .min_kbps = 300};
  FrameScheduler viewer_bound(clock, config), link_bound(clock, config);
  std::uint64_t id = 0;
  // 2 s at 250 ms from send to ack, saturated. One viewer spends 240 ms of it decoding and presenting
  // (a slow machine), the other link has the whole delay in the network.
  for (int i = 0; i < 8; ++i) {
    ++id;
    for (FrameScheduler* s : {&viewer_bound, &link_bound}) {
      s->on_sent(id, 25000);
      s->on_sent(id + 1000, 25000);
    }
    clock.advance(250ms);
    CHECK(viewer_bound.on_ack(protocol::FrameAck{id + 1000, 40'000, 200'000}));
    CHECK(link_bound.on_ack(protocol::FrameAck{id + 1000, 0, 0}));
  }
  CHECK(viewer_bound.ack_delay() == 10ms);  // 250 ms less the viewer's 240
  CHECK(viewer_bound.viewer_time() == 240ms);
  CHECK(viewer_bound.target_kbps() == 8000);  // not cut: the link kept up
  CHECK(link_bound.ack_delay() >= 200ms);
  CHECK(link_bound.target_kbps() < 2000);
  // A viewer that says it took longer than the round trip does not make the delay negative.
  viewer_bound.on_sent(++id, 100);
  clock.advance(5ms);
  CHECK(viewer_bound.on_ack(protocol::FrameAck{id, 9'000, 0}));
  CHECK(viewer_bound.ack_delay() >= 0ms);
  CHECK(viewer_bound.ack_delay() < 10ms);
}
