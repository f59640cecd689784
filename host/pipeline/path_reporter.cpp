#include "host/pipeline/path_reporter.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {

template <class T> std::uint32_t u32_of(T value) {
  if (value <= 0) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(value), std::numeric_limits<std::uint32_t>::max()));
}

// More than a quarter up or down, or from nothing to something: what the engineer should see at once.
bool moved(std::uint32_t before, std::uint32_t now) {
  if (before == 0 || now == 0) return before != now;
  const std::uint64_t b = before, n = now;
  return n * 4 > b * 5 || n * 4 < b * 3;
}

bool big_change(const protocol::PathReport& before, const protocol::PathReport& now) {
  constexpr std::uint32_t kQueueStepUs = 50'000;  // a queue 50 ms longer or shorter is felt when typing
  const std::uint32_t queue_step = before.queue_delay_us > now.queue_delay_us
                                       ? before.queue_delay_us - now.queue_delay_us
                                       : now.queue_delay_us - before.queue_delay_us;
  return moved(before.min_rtt_us, now.min_rtt_us) || moved(before.delivery_rate_kbps, now.delivery_rate_kbps) ||
         moved(before.target_kbps, now.target_kbps) || queue_step >= kQueueStepUs;
}

}  // namespace

protocol::PathReport path_report_of(const FrameScheduler& scheduler) {
  protocol::PathReport r;
  r.min_rtt_us = u32_of(scheduler.min_rtt().count());
  r.delivery_rate_kbps = u32_of(scheduler.delivery_kbps());
  r.target_kbps = u32_of(scheduler.target_kbps());
  r.queue_delay_us = u32_of(scheduler.queue_delay().count());
  r.bytes_in_flight = u32_of(scheduler.in_flight_bytes());
  r.frames_in_flight = static_cast<std::uint16_t>(std::min(scheduler.in_flight(), limits::kMaxFramesInFlight));
  return r;
}

std::optional<protocol::PathReport> PathReporter::due(TimePoint now, const protocol::PathReport& current,
                                                     std::uint64_t bytes_sent) {
  const auto since = now - last_at_;
  const bool idle = bytes_sent - bytes_at_last_ < kBusyBytes;
  const bool send = !last_ || since >= (idle ? kIdleInterval : kInterval) ||
                    (since >= kMinSpacing && big_change(*last_, current));
  if (!send) return std::nullopt;
  last_ = current;
  last_at_ = now;
  bytes_at_last_ = bytes_sent;
  return current;
}

}  // namespace elfdesk::host
