// The rate controller (FrameScheduler + PathEstimate) on a simulated link (SimLink), issue 13: steady
// profiles, a capacity step down and up, an RTT jump, a stall and a loss burst. Seconds of simulated time
// on a manual clock each; the figures are printed (doctest MESSAGE) for docs/performance.md.
//
// Each scenario runs nine times, the video at 26 to 34 frames a second, and the checks take the median of
// the nine: one run's figures depend on how the frames fall against the acks and the viewer's refresh (the
// same controller measured a longest queue of 6, 10 and 151 ms on home at 31, 29 and 30 fps). Three runs
// (29-31 a second) were once enough to pass, and hid what the other rates showed: on mobile a controller
// that never cut its target at 26-28 and 32 a second (the steady tests' "worst" checks).
// "Old" in the comments is the controller before the queue-target window, the drain and pacing (int at
// 857a855) on this same simulation: each check marked so fails on it.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/host/sim_session.hpp"

using namespace elfdesk;
using namespace elfdesk::test;
using namespace std::chrono_literals;
using Ms = SimSession::Ms;
using TimePoint = SimSession::TimePoint;

namespace {
// Issue 13: no standing queue means the bottleneck holds at most this (glass-to-glass p95 <= one-way +
// 60 ms); typing p50 <= one-way + 15 ms.
constexpr Ms kQueueTarget{60};
constexpr int kPhases[] = {26, 27, 28, 29, 30, 31, 32, 33, 34};

Ms one_way(const LinkProfile& profile) { return Ms(profile.rtt) / 2; }

struct Figures {
  Ms p50{0}, p95{0};
  Ms longest{0};  // above kQueueTarget, at a time
  double share = 0;  // of the time above kQueueTarget
  Ms key_wait_max{0};
  int kbps = 0;
};

Figures measure(const char* what, SimSession& s, TimePoint from, TimePoint to) {
  const auto g2g = s.video_g2g(from, to);
  const auto keys = s.key_queue_wait(from, to);
  const Figures f{percentile(g2g, 50), percentile(g2g, 95), s.longest_queue_above(kQueueTarget, from, to),
                  s.share_queue_above(kQueueTarget, from, to), percentile(keys, 100), s.delivered_kbps(from, to)};
  char line[400];
  std::snprintf(line, sizeof line,
                "%s: g2g p50 %.0f p95 %.0f ms (one-way %.0f), queue > 60 ms longest %.0f ms (%.1f%% of the time), "
                "keystroke queued max %.0f ms, %d kbit/s delivered, target %d, estimate %d kbit/s, pacing %d kbit/s, "
                "min RTT %.0f ms, queue %.0f ms, drops %d",
                what, f.p50.count(), f.p95.count(), one_way(s.link().profile()).count(), f.longest.count(),
                100 * f.share, f.key_wait_max.count(), f.kbps, s.scheduler().target_kbps(),
                s.scheduler().delivery_kbps(), static_cast<int>(s.scheduler().pacing_rate_bps() / 1000),
                Ms(s.scheduler().min_rtt()).count(), Ms(s.scheduler().queue_delay()).count(), s.link().drops());
  MESSAGE(line);
  return f;
}

template <typename T>
T middle(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Each figure's median over the phases, on its own.
Figures median(const std::vector<Figures>& runs) {
  const auto of = [&](auto field) {
    std::vector<std::decay_t<decltype(runs[0].*field)>> v;
    for (const Figures& f : runs) v.push_back(f.*field);
    return middle(v);
  };
  return Figures{of(&Figures::p50),  of(&Figures::p95),          of(&Figures::longest),
                 of(&Figures::share), of(&Figures::key_wait_max), of(&Figures::kbps)};
}

// A video that wants 1.5x what the link carries, with a frame twice the usual size every 2 s, for 20 s
// with a keystroke every half second; measured after 5 s to settle. The median over the phases, and the
// longest queue above 60 ms in any of them.
struct Steady {
  Figures median;
  Ms worst_longest{0};
};
Steady steady(const LinkProfile& profile, const char* name, double region_share = 1.0) {
  std::vector<Figures> runs;
  for (const int fps : kPhases) {
    SimSession s(profile, VideoSource{.fps = fps, .demand_kbps = 3 * profile.kbps / 2, .big_factor = 2,
                                      .region_share = region_share});
    s.run(5s);
    const auto from = s.now();
    for (int i = 0; i < 30; ++i) {
      s.run(500ms);
      s.key();
    }
    const auto to = s.now();
    s.run(1s);  // the last frames shown
    runs.push_back(measure((std::string(name) + " " + std::to_string(fps) + " fps").c_str(), s, from, to));
  }
  Ms worst{0};
  for (const Figures& f : runs) worst = std::max(worst, f.longest);
  return Steady{median(runs), worst};
}
}  // namespace

// Issue 13's bound, g2g p95 <= one-way + 60 ms, is met on none of the three in this simulation: its video
// sends frames of the bitrate target's size (home 83 KB at 20 Mbit/s, 33 ms on the link each, and every
// 2 s one twice that), so the frames alone exceed the queue target; that is the frames' size, which the
// encoder decides (docs/performance.md, "Queue target, drain and pacing").
// "Before" below: the controller that left the acked frame's transmission out of the queue while the
// minimum held one too (main at eda2766); each check so marked fails on it.
TEST_CASE("rate control on a steady home link (20 Mbit/s, 40 ms): short queue, link used") {
  const auto [f, worst] = steady(kHome, "home");
  CHECK(worst <= 4 * Ms(kHome.rtt));     // before: 1843 ms at 28 fps
  CHECK(f.longest <= 4 * Ms(kHome.rtt));  // old: 10 ms
  CHECK(f.share < 0.1);                   // old: 5%; before: 14.1%
  CHECK(f.p95 <= one_way(kHome) + 100ms);  // old: 107 ms
  CHECK(f.key_wait_max <= 2 * kQueueTarget);
  CHECK(f.kbps >= kHome.kbps * 8 / 10);
}

TEST_CASE("rate control on a steady mobile link (3 Mbit/s, 120 ms, shallow queue): no standing queue") {
  const auto [f, worst] = steady(kMobile, "mobile");
  // Before: at 26-28 and 32 frames a second the target stayed at 16-20 Mbit/s for the whole run (a queue
  // of 228-295 ms at a time, p50 277-286 ms): the minimum round trip held a 20 kB frame's 53 ms on the
  // link, and the queue left the acked frame's 53 ms out again.
  CHECK(worst <= 2 * Ms(kMobile.rtt));  // before: 295 ms
  CHECK(f.longest <= Ms(kMobile.rtt));  // before: 224 ms
  CHECK(f.share < 0.05);                // before: 28%
  // Old: 391 ms, 1.2 Mbit/s: every frame larger than the 15 KB buffer lost its tail and waited a round
  // trip for TCP's retransmission. Paced at the link's rate the buffer holds what the link does not take.
  CHECK(f.p95 <= one_way(kMobile) + 240ms);  // before: 353 ms
  CHECK(f.p50 <= one_way(kMobile) + 60ms);   // before: 262 ms
  CHECK(f.kbps >= kMobile.kbps * 6 / 10);  // old: 1214 kbit/s
}

TEST_CASE("rate control on a steady poor link (1 Mbit/s, 300 ms)") {
  const auto [f, worst] = steady(kPoor, "poor");
  // Old: 742 ms at a time (the window allowed twice the path's product: a full round trip of queue).
  // Before: 1976 ms at 27 frames a second, and a queue above 60 ms 65-86% of the time at 27-29 and 32.
  CHECK(worst <= 2 * Ms(kPoor.rtt));  // before: 1976 ms
  CHECK(f.longest <= 2 * Ms(kPoor.rtt));
  CHECK(f.p95 <= one_way(kPoor) + 200ms);  // old: 380 ms
  CHECK(f.p50 <= one_way(kPoor) + 60ms);  // before: 218 ms
  CHECK(f.kbps >= kPoor.kbps * 75 / 100);
}

// The bench's video: 640x360 of a 1080p screen, which the host's region stream codes with the target
// times the square root of its share (a third). "Before" is the controller that cut the target to the
// link's rate in whole-screen terms (main at 38f5b4c): the region then sent a third of the link after each
// cut and probed back up for seconds to 3-4x the link's rate in the target's terms, overshooting it at
// the top. "Plain" is the cut in the region's terms without the gentle probe near the link's rate.
TEST_CASE("rate control on a steady poor link, the video a ninth of the screen (the region stream)") {
  const auto [f, worst] = steady(kPoor, "poor, region", 1.0 / 9);
  CHECK(worst <= 2 * Ms(kPoor.rtt));
  CHECK(f.longest <= Ms(kPoor.rtt));
  CHECK(f.p95 <= one_way(kPoor) + 120ms);  // before: 276 ms; plain: 284 ms
  CHECK(f.p50 <= one_way(kPoor) + 60ms);
  CHECK(f.kbps >= kPoor.kbps * 85 / 100);  // before: 602 kbit/s
}

TEST_CASE("capacity steps down 20 -> 3 Mbit/s and back: the queue drains, the rate recovers within seconds") {
  std::vector<Figures> down_all, down_late, up_late;
  std::vector<Ms> up_longest;
  for (const int fps : kPhases) {
    SimSession s(kHome, VideoSource{.fps = fps, .demand_kbps = 16'000});
    s.run(10s);
    s.link().set_rate_kbps(3'000);
    const auto down = s.now();
    s.run(10s);
    down_all.push_back(measure("after the step down (10 s)", s, down, s.now()));
    down_late.push_back(measure("after the step down (last 5 s)", s, down + 5s, s.now()));
    s.link().set_rate_kbps(20'000);
    const auto up = s.now();
    s.run(10s);
    up_late.push_back(measure("after the step up (3-10 s)", s, up + 3s, s.now()));
    up_longest.push_back(s.longest_queue_above(kQueueTarget, up, s.now()));
  }
  // What the step down left in flight, at the step up: 35-94 ms above 60 at a time (the most at 26-28
  // frames a second, whose frames are the largest), with or without the queue correction.
  CHECK(middle(up_longest) <= 2 * Ms(kHome.rtt));
  // What is in flight when the link slows down has to drain: here the 2 s frame four times the usual
  // size had just gone (267 KB, 0.7 s at 3 Mbit/s), so the queue stands that long at least. Before the
  // encoder capped a frame's span at 50 ms it stood 1.8-2.5 s: the window let a frame go only as one was
  // acknowledged, 180 ms apart, and the encoder gave each frame 180 ms of the target, so each was 180 ms of
  // the link again (docs/performance.md, "A frame that waited is not coded larger").
  CHECK(median(down_all).longest <= 1000ms);  // without the cap: 1896 ms
  CHECK(median(down_all).p95 <= 500ms);       // without: 597 ms
  // Once drained: what still stands above 60 ms is the 2 s frame's own transmission (4x a frame of ~11 KB,
  // 124 ms of the link) while the link is used; without the cap the target sat at half the link, its
  // big frames half the size (143 ms above 60 at a time, at 2.0 Mbit/s delivered and a p95 of 297 ms).
  // Old (the controller before the drain): 823 ms at a time.
  CHECK(median(down_late).longest <= 250ms);
  CHECK(median(down_late).p50 <= one_way(kHome) + 60ms);
  CHECK(median(down_late).p95 <= one_way(kHome) + 200ms);  // without the cap: 297 ms
  // 80% of the link. The queue read one frame short before (eda2766): 2747 kbit/s, with the queue above
  // 60 ms 16% of the time; read in full, one cut more: 2475 [2403-2623] kbit/s and 9% of the time.
  CHECK(median(down_late).kbps >= 2'400);                  // without the cap: 1994 kbit/s
  CHECK(median(up_late).kbps >= 16'000 / 2);
}

TEST_CASE("the RTT jumps 40 -> 300 ms: a longer path is not a queue, the rate comes back") {
  std::vector<Figures> later;
  for (const int fps : kPhases) {
    SimSession s(LinkProfile{20'000, 40ms, 250'000}, VideoSource{.fps = fps, .demand_kbps = 8'000});
    s.run(10s);
    s.link().set_rtt(300ms);
    const auto jump = s.now();
    s.run(5s);
    CHECK(s.scheduler().min_rtt() >= 290ms);
    s.run(10s);
    later.push_back(measure("after the jump (5-15 s)", s, jump + 5s, s.now()));
    CHECK(s.longest_queue_above(kQueueTarget, jump, s.now()) <= 300ms);
  }
  CHECK(median(later).kbps >= 8'000 / 2);
}

// The video wants twice mobile's rate. After the stall, paced, its p95 is 304 ms (old: 429); what stands
// above 60 ms after the loss burst is a little longer than before (103 ms at a time, old 17), still under
// a round trip.
TEST_CASE("a stall (the link delivers nothing for 2 s) and a loss burst: back to a short queue within seconds") {
  std::vector<Figures> stalls, losses;
  for (const int fps : kPhases) {
    SimSession s(kMobile, VideoSource{.fps = fps, .demand_kbps = 6'000});
    s.run(10s);
    const auto stall = s.now();
    s.link().stall_until(stall + 2s);
    s.run(2s);
    const auto resumed = s.now();
    s.run(8s);
    // What the host sent during the stall is delivered when it ends; then the queue is short again.
    stalls.push_back(measure("after the stall (2-8 s)", s, resumed + 2s, s.now()));
    // TCP loses nothing: a lost packet holds its frame, and every frame behind it, one more round trip.
    const auto lossy = s.now();
    s.link().lose_until(lossy + 1s);
    s.run(8s);
    losses.push_back(measure("after the loss burst (2-8 s)", s, lossy + 2s, s.now()));
  }
  CHECK(median(stalls).longest <= 2 * Ms(kMobile.rtt));
  CHECK(median(stalls).p50 <= one_way(kMobile) + 60ms);
  CHECK(median(stalls).p95 <= one_way(kMobile) + 260ms);  // old: 429 ms
  CHECK(median(stalls).kbps >= 3'000 / 4);
  CHECK(median(losses).longest <= 2 * Ms(kMobile.rtt));
  CHECK(median(losses).p50 <= one_way(kMobile) + 60ms);
  CHECK(median(losses).kbps >= 3'000 / 4);
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
