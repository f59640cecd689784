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
// A delay that stays above the minimum this long, through the cuts it causes, while our bytes in flight
// could not hold such a queue, is a longer path, instead of the 10 s the minimum would otherwise keep the
// old, short one (and cut the rate for a queue that is not there). A mistake (someone else's queue, the
// tail of ours after a link slowed down) costs little: the next short sample is the minimum again.
constexpr auto kPathChange = std::chrono::seconds(2);

// How long `bytes` take on a link of `bits_per_s`; none while the rate is unknown.
microseconds transmission(std::uint64_t bytes, std::uint64_t bits_per_s) {
  return bits_per_s == 0 ? microseconds(0)
                         : microseconds(static_cast<std::int64_t>(bytes * 8 * 1'000'000 / bits_per_s));
}
}  // namespace

PathEstimate::PathEstimate(microseconds standing_queue) : standing_queue_(standing_queue) {}

PathEstimate::Mark PathEstimate::mark(TimePoint now, std::uint64_t in_flight, bool idle) {
  if (idle) delivered_at_ = acked_sent_at_ = now;
  return Mark{delivered_, delivered_at_, in_flight, now, acked_sent_at_};
}

void PathEstimate::on_ack(TimePoint now, microseconds network_delay, std::uint64_t acked_bytes, Mark newest,
                          std::uint64_t newest_bytes) {
  delivered_ += acked_bytes;
  delivered_at_ = now;
  acked_sent_at_ = newest.sent;
  // As BBR: the longer of the ack interval and the send interval, so acks that come in a bunch (the viewer
  // acknowledges the newest picture at its refresh, for all before it) do not show more than we sent.
  const auto interval =
      duration_cast<microseconds>(std::max(now - newest.at, newest.sent - newest.first_sent)).count();
  if (interval >= 1000) {
    const auto bits = static_cast<std::int64_t>((delivered_ - newest.delivered) * 8);
    add(rate_bps_, {now, bits * 1'000'000 / interval}, kRateWindow, true);
  }
  // The queue is the delay above the minimum less what the acked frame took on the link beyond the
  // minimum's frame (each is timed at the same rate): the minimum's frame was on the link too. When every
  // frame is about the same size (a video the link cannot carry whole: poor's 6.7 kB frames take 54 ms at
  // 1 Mbit/s) the minimum holds one frame's transmission, and leaving the acked frame's whole out as well
  // read a standing queue of ~90 ms as 10 and never cut the target (the simulation's steady video at 26-34
  // frames a second). A keyframe's extra time (40 kB: 100 ms at 3 Mbit/s on an empty path) is still left
  // out. Never more than the delay above the minimum: an app-limited rate that makes a large minimum's
  // frame look slow must not read a queue where the delay shows none.
  add(min_rtt_us_, {now, network_delay.count(), newest_bytes}, kMinRttWindow, false);
  const auto rate = delivery_rate_bps();
  const auto beyond = transmission(newest_bytes, rate) - transmission(min_rtt_us_.front().bytes, rate);
  const auto queue = network_delay - min_rtt() - std::max(beyond, microseconds(0));
  const auto clamped = std::max(queue, microseconds(0));
  queue_delay_ = have_queue_ ? (queue_delay_ * 7 + clamped) / 8 : clamped;
  have_queue_ = true;
  follow_longer_path(now, network_delay, newest.in_flight, newest_bytes);
}

void PathEstimate::follow_longer_path(TimePoint now, microseconds network_delay, std::uint64_t in_flight,
                                      std::uint64_t bytes) {
  // A queue of ours needs more bytes in flight than the path holds at its best rate of late.
  const auto best = rate_bps_.empty() ? 0 : static_cast<std::uint64_t>(rate_bps_.front().value);
  ours_ = in_flight > best * static_cast<std::uint64_t>(min_rtt().count()) / 8 / 1'000'000;
  // Once the queue was ours it stays so until it has drained: the in-flight test above flips back as
  // soon as the cut and the smaller window bring our bytes under the old rate's product, while the queue
  // still stands; the 4 s max then came back, with it the old window, and the queue stood 2.6 s after
  // a 20 -> 3 Mbit/s drop in the simulation (rate_control_sim_tests).
  draining_ = standing() && (draining_ || ours_);
  // A queue we make goes away once the rate is cut; a delay that stays however we send, for seconds, is
  // the path's (or someone else's queue, which we cannot drain either).
  if (network_delay - min_rtt() <= standing_queue_) {
    unexplained_since_ = TimePoint::max();
    return;
  }
  if (unexplained_since_ == TimePoint::max()) {
    unexplained_since_ = now;
    unexplained_least_ = network_delay;
    unexplained_least_bytes_ = bytes;
  }
  if (network_delay < unexplained_least_) {
    unexplained_least_ = network_delay;
    unexplained_least_bytes_ = bytes;
  }
  // Taken for the path only when our own bytes in flight cannot hold such a queue now.
  if (now - unexplained_since_ < kPathChange || ours_) return;
  // The path got longer (a new route, a VPN, a handover): its old minimum would read as a queue for 10 s.
  const auto longer = unexplained_least_ - min_rtt();
  min_rtt_us_.clear();
  min_rtt_us_.push_back(Sample{now, unexplained_least_.count(), unexplained_least_bytes_});
  queue_delay_ = std::max(queue_delay_ - longer, microseconds(0));
  unexplained_since_ = TimePoint::max();
  ++path_changes_;
  draining_ = false;
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
  if (rate_bps_.empty()) return 0;
  if (!standing() || !draining_) return static_cast<std::uint64_t>(rate_bps_.front().value);
  // While a queue of ours stands the sender does not limit the samples: the latest say what the link
  // carries now. (Without our bytes behind the delay, the latest samples say only how little we sent.)
  // The filter keeps each sample not beaten by a later one, largest first: the first one inside the
  // recent window is that window's max.
  const auto round = min_rtt() + queue_delay_;
  const auto window = std::clamp<std::chrono::steady_clock::duration>(2 * round, kMinRecentWindow, kRateWindow);
  const auto since = rate_bps_.back().at - window;
  for (const Sample& s : rate_bps_)
    if (s.at >= since) return static_cast<std::uint64_t>(s.value);
  return static_cast<std::uint64_t>(rate_bps_.back().value);
}

std::uint64_t PathEstimate::peak_rate_bps() const {
  return rate_bps_.empty() ? 0 : static_cast<std::uint64_t>(rate_bps_.front().value);
}

microseconds PathEstimate::queue_delay() const { return queue_delay_; }

std::uint64_t PathEstimate::bdp_bytes() const {
  return delivery_rate_bps() * static_cast<std::uint64_t>(min_rtt().count()) / 8 / 1'000'000;
}

}  // namespace elfdesk::host
