// The rate controller (FrameScheduler + PathEstimate) on a simulated link (SimLink), issue 13: steady
// profiles, a capacity step down and up, an RTT jump, a stall and a loss burst. Seconds of simulated time
// on a manual clock each; the figures are printed (doctest MESSAGE) for docs/performance.md.
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
  char line[300];
  std::snprintf(line, sizeof line,
                "%s: g2g p50 %.0f p95 %.0f ms (one-way %.0f), queue > 60 ms longest %.0f ms (%.1f%%), %d kbit/s "
                "delivered, target %d, estimate %d kbit/s, min RTT %.0f ms, queue %.0f ms, drops %d",
                what, percentile(g2g, 50).count(), percentile(g2g, 95).count(), one_way(s.link()).count(),
                s.longest_queue_above(kQueueTarget, from, to).count(),
                100 * s.share_queue_above(kQueueTarget, from, to), s.delivered_kbps(from, to),
                s.scheduler().target_kbps(), s.scheduler().delivery_kbps(),
                Ms(s.scheduler().min_rtt()).count(), Ms(s.scheduler().queue_delay()).count(), s.link().drops());
  MESSAGE(line);
}

// A video that wants more than the link carries, on one profile for 20 s: after 5 s to settle, the
// stream keeps the bottleneck's queue short and still uses the link.
void steady(LinkProfile profile, const char* name) {
  SimSession s(profile, VideoSource{.demand_kbps = 2 * profile.kbps});
  s.run(5s);
  const auto from = s.now();
  for (int i = 0; i < 30; ++i) {  // a keystroke every half second while the video plays
    s.run(500ms);
    s.key();
  }
  const auto to = s.now();
  s.run(1s);  // the last frames shown
  report(name, s, from, to);
  const Ms rtt(profile.rtt);
  CHECK(s.longest_queue_above(kQueueTarget, from, to) <= 2 * rtt + 100ms);
  CHECK(s.share_queue_above(kQueueTarget, from, to) < 0.05);
  CHECK(percentile(s.video_g2g(from, to), 95) <= one_way(s.link()) + kQueueTarget);
  CHECK(percentile(s.key_queue_wait(from, to), 100) <= kQueueTarget);
  CHECK(s.delivered_kbps(from, to) >= profile.kbps * 6 / 10);
}
}  // namespace

TEST_CASE("rate control on a steady home link (20 Mbit/s, 40 ms): short queue, link used") { steady(kHome, "home"); }

TEST_CASE("rate control on a steady mobile link (3 Mbit/s, 120 ms, shallow queue)") { steady(kMobile, "mobile"); }

TEST_CASE("rate control on a steady poor link (1 Mbit/s, 300 ms)") { steady(kPoor, "poor"); }

TEST_CASE("capacity steps down 20 -> 3 Mbit/s and back: the queue drains within a few RTTs, the rate recovers") {
  SimSession s(kHome, VideoSource{.demand_kbps = 16'000});
  s.run(10s);
  report("home before the step", s, s.now() - 5s, s.now());
  s.link().set_rate_kbps(3'000);
  const auto down = s.now();
  s.run(10s);
  report("after the step down (10 s)", s, down, s.now());
  report("after the step down (last 5 s)", s, down + 5s, s.now());
  // The queue the old rate left behind drains within a few RTTs, and stays short afterwards.
  CHECK(s.longest_queue_above(kQueueTarget, down, s.now()) <= 1000ms);
  CHECK(s.longest_queue_above(kQueueTarget, down + 2s, s.now()) <= 200ms);
  CHECK(s.delivered_kbps(down + 2s, s.now()) >= 3'000 * 6 / 10);
  s.link().set_rate_kbps(20'000);
  const auto up = s.now();
  s.run(10s);
  report("after the step up (first 3 s)", s, up, up + 3s);
  report("after the step up (3-10 s)", s, up + 3s, s.now());
  CHECK(s.delivered_kbps(up + 3s, up + 6s) >= 16'000 * 6 / 10);  // the video's demand, most of it, within seconds
  CHECK(s.longest_queue_above(kQueueTarget, up, s.now()) <= 200ms);
}

TEST_CASE("the RTT jumps 40 -> 300 ms: a longer path is not a queue, the rate stays") {
  SimSession s(LinkProfile{20'000, 40ms, 250'000}, VideoSource{.demand_kbps = 8'000});
  s.run(10s);
  report("40 ms", s, s.now() - 5s, s.now());
  s.link().set_rtt(300ms);
  const auto jump = s.now();
  s.run(15s);
  report("after the jump (first 5 s)", s, jump, jump + 5s);
  report("after the jump (5-15 s)", s, jump + 5s, s.now());
  CHECK(s.delivered_kbps(jump + 3s, jump + 15s) >= 8'000 * 8 / 10);
  CHECK(s.longest_queue_above(kQueueTarget, jump, s.now()) <= 600ms);
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
  // What the host sent during the stall is delivered when it ends; then the queue is short again.
  CHECK(s.longest_queue_above(kQueueTarget, resumed + 2s, s.now()) <= 2 * Ms(kMobile.rtt) + 100ms);
  CHECK(s.delivered_kbps(resumed + 2s, s.now()) >= 3'000 * 6 / 10);
  const auto lossy = s.now();
  s.link().lose_until(lossy + 1s);
  s.run(8s);
  report("after the loss burst", s, lossy, s.now());
  CHECK(s.longest_queue_above(kQueueTarget, lossy + 2s, s.now()) <= 2 * Ms(kMobile.rtt) + 100ms);
  CHECK(s.delivered_kbps(lossy + 2s, s.now()) >= 3'000 * 6 / 10);
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
