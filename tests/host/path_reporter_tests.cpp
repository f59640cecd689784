// PathReporter's timing (once a second, at once on a big change, never a flood) and path_report_of on a
// real FrameScheduler driven by a manual clock.
#include <doctest/doctest.h>

#include "common/clock.hpp"
#include "host/pipeline/path_reporter.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
using namespace std::chrono_literals;

namespace {
protocol::PathReport report(std::uint32_t rtt_us, std::uint32_t rate, std::uint32_t queue_us = 0) {
  return protocol::PathReport{rtt_us, rate, 2000, queue_us, 1000, 1};
}

// Picture bytes sent by `at` on a stream sending `per_second` bytes every second from t0.
std::uint64_t sent(PathReporter::TimePoint t0, PathReporter::TimePoint at, std::uint64_t per_second) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(at - t0).count()) *
         per_second / 1000;
}
constexpr std::uint64_t kVideo = 500'000;  // 4 Mbit/s: pictures flow
constexpr std::uint64_t kTyping = 1'300;   // ~10 kbit/s: a few glyphs a second
}  // namespace

TEST_CASE("path reporter: first at once, then once a second while pictures flow") {
  PathReporter r;
  const PathReporter::TimePoint t0{10s};
  const auto due = [&](auto at, protocol::PathReport p) { return r.due(at, p, sent(t0, at, kVideo)); };
  CHECK(due(t0, report(20'000, 5000)).has_value());
  CHECK_FALSE(due(t0 + 500ms, report(21'000, 5200)).has_value());  // small moves wait for the second
  CHECK_FALSE(due(t0 + 999ms, report(20'000, 5000)).has_value());
  auto next = due(t0 + 1000ms, report(20'500, 5100));
  REQUIRE(next.has_value());
  CHECK(next->min_rtt_us == 20'500);
}

TEST_CASE("path reporter: while the picture is idle, only a big change or the slow refresh") {
  PathReporter r;
  const PathReporter::TimePoint t0{10s};
  const auto due = [&](auto at, protocol::PathReport p) { return r.due(at, p, sent(t0, at, kTyping)); };
  REQUIRE(due(t0, report(20'000, 5000)).has_value());
  // Typing: the estimate jitters a little each second, which is not worth ~50 bytes a second.
  for (auto at = t0 + 1s; at < t0 + PathReporter::kIdleInterval; at += 1s)
    CHECK_FALSE(due(at, report(21'000, 5300)).has_value());
  CHECK(due(t0 + PathReporter::kIdleInterval, report(21'000, 5300)).has_value());  // the slow refresh
  const auto t1 = t0 + PathReporter::kIdleInterval;
  CHECK(due(t1 + 200ms, report(70'000, 5300)).has_value());  // RTT tripled: the engineer sees it at once
  // Pictures flow again: back to once a second.
  const std::uint64_t busy = sent(t0, t1 + 200ms, kTyping) + PathReporter::kBusyBytes;
  CHECK_FALSE(r.due(t1 + 1100ms, report(70'000, 5300), busy).has_value());
  CHECK(r.due(t1 + 1200ms, report(70'000, 5300), busy).has_value());
}

TEST_CASE("path reporter: a big change goes at once, but not more often than the minimum spacing") {
  PathReporter r;
  const PathReporter::TimePoint t0{10s};
  const auto due = [&](auto at, protocol::PathReport p) { return r.due(at, p, sent(t0, at, kVideo)); };
  REQUIRE(due(t0, report(20'000, 5000)).has_value());
  CHECK_FALSE(due(t0 + 50ms, report(20'000, 1000)).has_value());  // too soon after the last
  CHECK(due(t0 + 100ms, report(20'000, 1000)).has_value());        // rate fell to a fifth
  CHECK_FALSE(due(t0 + 300ms, report(20'000, 1000)).has_value());
  CHECK(due(t0 + 400ms, report(20'000, 1000, 80'000)).has_value());  // a queue of 80 ms built up
  CHECK(due(t0 + 600ms, report(60'000, 1000, 80'000)).has_value());  // RTT tripled
}

TEST_CASE("path report of a scheduler: min RTT, delivery rate and what is in flight") {
  ManualClock clock;
  FrameScheduler s(clock, SchedulerConfig{});
  const protocol::PathReport empty = path_report_of(s);
  CHECK(empty.min_rtt_us == 0);
  CHECK(empty.delivery_rate_kbps == 0);
  CHECK(empty.target_kbps > 0);
  // Frames of 10 kB every 40 ms, each acked 30 ms after it was sent, for two seconds.
  std::uint64_t id = 0;
  for (int i = 0; i < 50; ++i) {
    s.on_sent(++id, 10'000);
    clock.advance(30ms);
    REQUIRE(s.on_ack(protocol::FrameAck{id, 0, 0}));
    clock.advance(10ms);
  }
  s.on_sent(++id, 12'345);
  const protocol::PathReport r = path_report_of(s);
  CHECK(r.min_rtt_us > 0);
  CHECK(r.min_rtt_us <= 30'000);
  CHECK(r.delivery_rate_kbps > 0);
  CHECK(r.target_kbps == static_cast<std::uint32_t>(s.target_kbps()));
  CHECK(r.bytes_in_flight == 12'345);
  CHECK(r.frames_in_flight == 1);
}
