// The rate controller (FrameScheduler + PathEstimate) on a simulated link (SimLink), issue 13: steady
// profiles, a capacity step down and up, an RTT jump, a stall and a loss burst. Seconds of simulated time
// on a manual clock each; the figures are printed (doctest MESSAGE) for docs/performance.md. "Before" in
// the comments is the controller as merged at 1baffe0 on the same simulation.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "tests/host/sim_session.hpp"

using namespace elfdesk;
using namespace elfdesk::test;
using namespace std::chrono_literals;
using Ms = SimSession::Ms;

namespace {
// Issue 13: no standing queue means the bottleneck holds at most this (glass-to-glass p95 <= one-way +
// 60 ms); typing p50 <= one-way + 15 ms.
constexpr Ms kQueueTarget{60};

Ms one_way(const SimLink& link) { return Ms(link.profile().rtt) / 2; }

void report(const char* what, SimSession& s, SimSession::TimePoint from, SimSession::TimePoint to) {
  const auto g2g = s.video_g2g(from, to);
  const auto keys = s.key_queue_wait(from, to);
  char line[400];
  std::snprintf(line, sizeof line,
                "%s: g2g p50 %.0f p95 %.0f ms (one-way %.0f), queue > 60 ms longest %.0f ms (%.1f%% of the time), "
                "keystroke queued p50 %.0f max %.0f ms, %d kbit/s delivered, target %d, estimate %d kbit/s, "
                "min RTT %.0f ms, queue %.0f ms, drops %d",
                what, percentile(g2g, 50).count(), percentile(g2g, 95).count(), one_way(s.link()).count(),
                s.longest_queue_above(kQueueTarget, from, to).count(),
                100 * s.share_queue_above(kQueueTarget, from, to), percentile(keys, 50).count(),
                percentile(keys, 100).count(), s.delivered_kbps(from, to), s.scheduler().target_kbps(),
                s.scheduler().delivery_kbps(), Ms(s.scheduler().min_rtt()).count(),
                Ms(s.scheduler().queue_delay()).count(), s.link().drops());
  MESSAGE(line);
}

// A video that wants 1.5x what the link carries, with a frame twice the usual size every 2 s, for 20 s
// with a keystroke every half second; measured after 5 s to settle.
struct Steady {
  SimSession::TimePoint from, to;
};
Steady steady(SimSession& s, const char* name) {
  s.run(5s);
  const auto from = s.now();
  for (int i = 0; i < 30; ++i) {
    s.run(500ms);
    s.key();
  }
  const auto to = s.now();
  s.run(1s);  // the last frames shown
  report(name, s, from, to);
  return {from, to};
}

SimSession steady_session(LinkProfile profile) {
  return SimSession(profile, VideoSource{.demand_kbps = 3 * profile.kbps / 2, .big_factor = 2});
}
}  // namespace

// The steady cases assert what the rate controller holds; issue 13's full bound (g2g p95 <= one-way + 60 ms)
// is met on home only: on mobile a frame larger than the 15 KB buffer loses its tail and waits a round trip
// for TCP's retransmission, and on poor one frame takes 30-60 ms on the link; both are the frames' size,
// which the encoder and planner decide (docs/performance.md, "The rate controller on a simulated link").
TEST_CASE("rate control on a steady home link (20 Mbit/s, 40 ms): short queue, link used") {
  SimSession s = steady_session(kHome);
  const auto [from, to] = steady(s, "home");
  CHECK(s.longest_queue_above(kQueueTarget, from, to) <= 4 * Ms(kHome.rtt));  // before: 2.2 s
  CHECK(s.share_queue_above(kQueueTarget, from, to) < 0.2);
  CHECK(percentile(s.video_g2g(from, to), 95) <= one_way(s.link()) + 100ms);  // before: 130 ms
  CHECK(percentile(s.key_queue_wait(from, to), 50) <= kQueueTarget);
  CHECK(s.delivered_kbps(from, to) >= kHome.kbps * 8 / 10);
}

TEST_CASE("rate control on a steady mobile link (3 Mbit/s, 120 ms, shallow queue): no standing queue") {
  SimSession s = steady_session(kMobile);
  const auto [from, to] = steady(s, "mobile");
  // Before: 3.1 s at a time and a quarter of the time above 60 ms, p50 194 ms: the 1 Hz check missed
  // the queue between its samples.
  CHECK(s.longest_queue_above(kQueueTarget, from, to) <= Ms(kMobile.rtt));
  CHECK(s.share_queue_above(kQueueTarget, from, to) < 0.05);
  CHECK(percentile(s.video_g2g(from, to), 50) <= one_way(s.link()) + 40ms);
  CHECK(percentile(s.key_queue_wait(from, to), 100) <= kQueueTarget);
  CHECK(s.delivered_kbps(from, to) >= kMobile.kbps * 35 / 100);  // retransmissions cost the rest
}

TEST_CASE("rate control on a steady poor link (1 Mbit/s, 300 ms)") {
  SimSession s = steady_session(kPoor);
  const auto [from, to] = steady(s, "poor");
  CHECK(percentile(s.video_g2g(from, to), 50) <= one_way(s.link()) + 60ms);  // before: 217 ms
  CHECK(s.longest_queue_above(kQueueTarget, from, to) <= 3 * Ms(kPoor.rtt));
  CHECK(s.delivered_kbps(from, to) >= kPoor.kbps * 75 / 100);
}

TEST_CASE("capacity steps down 20 -> 3 Mbit/s and back: the queue drains, the rate recovers within seconds") {
  SimSession s(kHome, VideoSource{.demand_kbps = 16'000});
  s.run(10s);
  report("home before the step", s, s.now() - 5s, s.now());
  s.link().set_rate_kbps(3'000);
  const auto down = s.now();
  s.run(10s);
  report("after the step down (10 s)", s, down, s.now());
  report("after the step down (last 5 s)", s, down + 5s, s.now());
  // Before: the queue stood 6 s (the 4 s best rate kept the window and the cuts at 20 Mbit/s; one cut a
  // second), three quarters of the 10 s. Now the last rounds' rate is believed while a queue stands; what
  // is left is the frames: at 16 Mbit/s each was up to 66 KB, 180 ms on the slower link.
  CHECK(s.longest_queue_above(kQueueTarget, down, s.now()) <= 3000ms);
  CHECK(s.share_queue_above(kQueueTarget, down, s.now()) < 0.5);
  CHECK(s.share_queue_above(kQueueTarget, down + 5s, s.now()) < 0.3);
  CHECK(percentile(s.video_g2g(down + 5s, s.now()), 50) <= one_way(s.link()) + 60ms);
  s.link().set_rate_kbps(20'000);
  const auto up = s.now();
  s.run(10s);
  report("after the step up (first 3 s)", s, up, up + 3s);
  report("after the step up (3-10 s)", s, up + 3s, s.now());
  // Before: +1/8 a second, 5.8 Mbit/s of the video's 16 after 10 s. Now the probing speeds up the longer
  // the path has room.
  CHECK(s.delivered_kbps(up + 3s, s.now()) >= 16'000 / 2);
  CHECK(s.longest_queue_above(kQueueTarget, up, s.now()) <= 2 * Ms(kHome.rtt));
}

TEST_CASE("the RTT jumps 40 -> 300 ms: a longer path is not a queue, the rate comes back") {
  SimSession s(LinkProfile{20'000, 40ms, 250'000}, VideoSource{.demand_kbps = 8'000});
  s.run(10s);
  report("40 ms", s, s.now() - 5s, s.now());
  s.link().set_rtt(300ms);
  const auto jump = s.now();
  s.run(5s);
  // Before: the old minimum held 10 s, the 260 ms more read as a queue and the target was cut to 3 Mbit/s
  // (2 Mbit/s delivered 5-15 s after the jump).
  CHECK(s.scheduler().min_rtt() >= 290ms);
  s.run(10s);
  report("after the jump (first 5 s)", s, jump, jump + 5s);
  report("after the jump (5-15 s)", s, jump + 5s, s.now());
  CHECK(s.delivered_kbps(jump + 5s, s.now()) >= 8'000 / 2);
  CHECK(s.longest_queue_above(kQueueTarget, jump, s.now()) <= 300ms);
}

TEST_CASE("a stall (the link delivers nothing for 2 s) and a loss burst: back to a short queue within seconds") {
  SimSession s(kMobile, VideoSource{.demand_kbps = 6'000});
  s.run(10s);
  const auto stall = s.now();
  s.link().stall_until(stall + 2s);
  s.run(2s);
  const auto resumed = s.now();
  s.run(8s);
  report("after the stall", s, resumed, s.now());
  // What the host sent during the stall is delivered when it ends; then the queue is short again. Before:
  // p50 354 ms and 0.4 s at a time above 60 ms after the stall.
  CHECK(s.longest_queue_above(kQueueTarget, resumed + 2s, s.now()) <= 2 * Ms(kMobile.rtt));
  CHECK(percentile(s.video_g2g(resumed + 2s, s.now()), 50) <= one_way(s.link()) + 40ms);
  CHECK(s.delivered_kbps(resumed + 2s, s.now()) >= 3'000 / 4);
  // TCP loses nothing: a lost packet holds its frame, and every frame behind it, one more round trip.
  const auto lossy = s.now();
  s.link().lose_until(lossy + 1s);
  s.run(8s);
  report("after the loss burst", s, lossy, s.now());
  CHECK(s.longest_queue_above(kQueueTarget, lossy + 2s, s.now()) <= 2 * Ms(kMobile.rtt));
  CHECK(percentile(s.video_g2g(lossy + 2s, s.now()), 50) <= one_way(s.link()) + 40ms);
  CHECK(s.delivered_kbps(lossy + 2s, s.now()) >= 3'000 / 4);
}

TEST_CASE("typing alone on each profile: one-way + 15 ms at the median") {
  for (const LinkProfile& profile : {kHome, kMobile, kPoor}) {
    SimSession s(profile, VideoSource{});
    s.run(2s, false);
    const auto from = s.now();
    for (int i = 0; i < 40; ++i) {  // about eight characters a second
      s.key();
      s.run(127ms, false);
    }
    s.run(1s, false);
    const auto g2g = s.key_g2g(from, s.now());
    CHECK(g2g.size() == 40);
    CHECK(percentile(g2g, 50) <= Ms(profile.rtt) / 2 + 15ms);
  }
}
