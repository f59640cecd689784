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
}  // namespace

TEST_CASE("path reporter: first at once, then once a second while nothing moves") {
  PathReporter r;
  const PathReporter::TimePoint t0{10s};
  CHECK(r.due(t0, report(20'000, 5000)).has_value());
  CHECK_FALSE(r.due(t0 + 500ms, report(21'000, 5200)).has_value());  // small moves wait for the second
  CHECK_FALSE(r.due(t0 + 999ms, report(20'000, 5000)).has_value());
  auto next = r.due(t0 + 1000ms, report(20'500, 5100));
  REQUIRE(next.has_value());
  CHECK(next->min_rtt_us == 20'500);
}

TEST_CASE("path reporter: a big change goes at once, but not more often than the minimum spacing") {
  PathReporter r;
  const PathReporter::TimePoint t0{10s};
  REQUIRE(r.due(t0, report(20'000, 5000)).has_value());
  CHECK_FALSE(r.due(t0 + 50ms, report(20'000, 1000)).has_value());  // too soon after the last
  CHECK(r.due(t0 + 100ms, report(20'000, 1000)).has_value());        // rate fell to a fifth
  CHECK_FALSE(r.due(t0 + 300ms, report(20'000, 1000)).has_value());
  CHECK(r.due(t0 + 400ms, report(20'000, 1000, 80'000)).has_value());  // a queue of 80 ms built up
  CHECK(r.due(t0 + 600ms, report(60'000, 1000, 80'000)).has_value());  // RTT tripled
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
