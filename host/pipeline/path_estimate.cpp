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
// While a queue stands the rate is the last two rounds' max, this long at least (a few acks).
constexpr auto kMinRecentWindow = std::chrono::milliseconds(200);
// A delay our own bytes cannot explain is a longer path once it lasted this long, instead of the 10 s the
// minimum would otherwise keep the old, short path (and cut the rate for a queue that is not there). Shorter
// than the rate's window, whose best rate says how many bytes the old path held. A mistake (the
// retransmissions of a long loss burst) costs little: the next short sample is the minimum again.
constexpr auto kPathChange = std::chrono::seconds(1);
}  // namespace

PathEstimate::PathEstimate(microseconds standing_queue) : standing_queue_(standing_queue) {}

PathEstimate::Mark PathEstimate::mark(TimePoint now, std::uint64_t in_flight, bool idle) {
  if (idle) delivered_at_ = now;
  return Mark{delivered_, delivered_at_, in_flight};
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
  follow_longer_path(now, network_delay, newest.in_flight);
}

void PathEstimate::follow_longer_path(TimePoint now, microseconds network_delay, std::uint64_t in_flight) {
  // A queue of ours needs more bytes in flight than the path holds at its best rate of late; with fewer,
  // a delay that does not go away is the path's (or someone else's queue, which we cannot drain either).
  const auto best = rate_bps_.empty() ? 0 : static_cast<std::uint64_t>(rate_bps_.front().value);
  const auto pipe = best * static_cast<std::uint64_t>(min_rtt().count()) / 8 / 1'000'000;
  if (network_delay - min_rtt() <= standing_queue_ || in_flight > pipe) {
    unexplained_since_ = TimePoint::max();
    return;
  }
  if (unexplained_since_ == TimePoint::max()) {
    unexplained_since_ = now;
    unexplained_least_ = network_delay;
  }
  unexplained_least_ = std::min(unexplained_least_, network_delay);
  if (now - unexplained_since_ < kPathChange) return;
  // The path got longer (a new route, a VPN, a handover): its old minimum would read as a queue for 10 s.
  const auto longer = unexplained_least_ - min_rtt();
  min_rtt_us_.clear();
  min_rtt_us_.push_back(Sample{now, unexplained_least_.count()});
  queue_delay_ = std::max(queue_delay_ - longer, microseconds(0));
  unexplained_since_ = TimePoint::max();
}

void PathEstimate::add(std::deque<Sample>& filter, Sample sample, std::chrono::steady_clock::duration window,
                       bool keep_max) {
  while (!filter.empty() && (keep_max ? filter.back().value <= sample.value : filter.back().value >= sample.value))
    filter.pop_back();
  filter.push_back(sample);
  while (filter.front().at + window < sample.at) filter.pop_front();
}

std::chrono::steady_clock::duration PathEstimate::min_rtt_age(TimePoint now) const {
  return min_rtt_us_.empty() ? std::chrono::steady_clock::duration(0) : now - min_rtt_us_.front().at;
}

microseconds PathEstimate::min_rtt() const {
  return min_rtt_us_.empty() ? microseconds(0) : microseconds(min_rtt_us_.front().value);
}

std::uint64_t PathEstimate::delivery_rate_bps() const {
  if (rate_bps_.empty()) return 0;
  if (!standing()) return static_cast<std::uint64_t>(rate_bps_.front().value);
  // While a queue stands the sender does not limit the samples: the latest say what the link carries now.
  // The filter keeps each sample not beaten by a later one, largest first: the first one inside the
  // recent window is that window's max.
  const auto round = min_rtt() + queue_delay_;
  const auto window = std::clamp<std::chrono::steady_clock::duration>(2 * round, kMinRecentWindow, kRateWindow);
  const auto since = rate_bps_.back().at - window;
  for (const Sample& s : rate_bps_)
    if (s.at >= since) return static_cast<std::uint64_t>(s.value);
  return static_cast<std::uint64_t>(rate_bps_.back().value);
}

microseconds PathEstimate::queue_delay() const { return queue_delay_; }

std::uint64_t PathEstimate::bdp_bytes() const {
  return delivery_rate_bps() * static_cast<std::uint64_t>(min_rtt().count()) / 8 / 1'000'000;
}

}  // namespace elfdesk::host
