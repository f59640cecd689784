#include "host/pipeline/path_estimate.hpp"

#include <algorithm>

namespace elfdesk::host {

using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {
// Ten seconds as in BBR: long enough to remember the empty path through a burst, short enough to follow
// a route change. The rate's window is shorter so a link that slows down (a handover) is believed soon.
constexpr auto kMinRttWindow = std::chrono::seconds(10);
constexpr auto kRateWindow = std::chrono::seconds(4);
}  // namespace

PathEstimate::Mark PathEstimate::mark(TimePoint now, bool idle) {
  if (idle) delivered_at_ = now;
  return Mark{delivered_, delivered_at_};
}

void PathEstimate::on_ack(TimePoint now, microseconds network_delay, std::uint64_t acked_bytes, Mark newest,
                          std::uint64_t newest_bytes) {
  delivered_ += acked_bytes;
  delivered_at_ = now;
  const auto interval = duration_cast<microseconds>(now - newest.at).count();
  if (interval >= 1000) {
    const auto bits = static_cast<std::int64_t>((delivered_ - newest.delivered) * 8);
    add(rate_bps_, {now, bits * 1'000'000 / interval}, kRateWindow, true);
  }
  // The minimum includes a small frame's transmission; the queue leaves out the acked frame's own (a
  // 40 kB keyframe takes 100 ms at 3 Mbit/s on an empty path). An app-limited rate estimate makes that
  // share too large: the queue then reads low, never high.
  add(min_rtt_us_, {now, network_delay.count()}, kMinRttWindow, false);
  auto queue = network_delay - min_rtt();
  if (const auto rate = delivery_rate_bps(); rate > 0)
    queue -= microseconds(static_cast<std::int64_t>(newest_bytes * 8 * 1'000'000 / rate));
  queue = std::max(queue, microseconds(0));
  queue_delay_ = have_queue_ ? (queue_delay_ * 7 + queue) / 8 : queue;
  have_queue_ = true;
}

void PathEstimate::add(std::deque<Sample>& filter, Sample sample, std::chrono::steady_clock::duration window,
                       bool keep_max) {
  while (!filter.empty() && (keep_max ? filter.back().value <= sample.value : filter.back().value >= sample.value))
    filter.pop_back();
  filter.push_back(sample);
  while (filter.front().at + window < sample.at) filter.pop_front();
}

microseconds PathEstimate::min_rtt() const {
  return min_rtt_us_.empty() ? microseconds(0) : microseconds(min_rtt_us_.front().value);
}

std::uint64_t PathEstimate::delivery_rate_bps() const {
  return rate_bps_.empty() ? 0 : static_cast<std::uint64_t>(rate_bps_.front().value);
}

microseconds PathEstimate::queue_delay() const { return queue_delay_; }

std::uint64_t PathEstimate::bdp_bytes() const {
  return delivery_rate_bps() * static_cast<std::uint64_t>(min_rtt().count()) / 8 / 1'000'000;
}

}  // namespace elfdesk::host
