#include "tests/host/sim_session.hpp"

#include <algorithm>
#include <cmath>

#include "host/encode/video_encoder.hpp"

namespace elfdesk::test {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {
constexpr std::size_t kKeyBytes = 200;  // a typed glyph's update with its headers
constexpr auto kStep = milliseconds(1);
}  // namespace

SimSession::SimSession(LinkProfile profile, VideoSource source, host::SchedulerConfig config)
    : scheduler_(clock_, config), link_(clock_, profile), source_(source) {
  clock_.advance(std::chrono::seconds(1));  // time 0 is "never sent" to the scheduler
  last_sent_ = next_change_ = clock_.now();
  next_big_ = clock_.now() + source_.big_every;
}

void SimSession::key() { keys_.push_back(Change{clock_.now()}); }

void SimSession::run(milliseconds duration, bool video) {
  const auto end = clock_.now() + duration;
  const auto interval = microseconds(1'000'000 / source_.fps);
  while (clock_.now() < end) {
    for (const protocol::FrameAck& ack : link_.take_acks()) scheduler_.on_ack(ack);
    if (!video) next_change_ = std::max(next_change_, clock_.now());
    while (video && next_change_ <= clock_.now()) {
      changes_.push_back(Change{next_change_});
      next_change_ += interval;
    }
    const bool pending = first_unsent_change_ < changes_.size() || first_unsent_key_ < keys_.size();
    if (pending && scheduler_.can_send()) send_frame();
    samples_.push_back(Sample{clock_.now(), link_.backlog_delay(), link_.delivered_bytes()});
    clock_.advance(kStep);
    link_.run();
  }
}

void SimSession::send_frame() {
  const auto now = clock_.now();
  const bool video = first_unsent_change_ < changes_.size();
  std::size_t bytes = 0;
  int budget_kbps = 0;  // the region encoder's, when the video is a region
  if (video) {
    // VP8's rate control spends the target over the time the frame covers, as the encoder tells it: at
    // most host::kMaxFrameSpan.
    const auto covered =
        std::clamp(duration_cast<microseconds>(now - last_sent_), microseconds(16'667), host::kMaxFrameSpan);
    budget_kbps = source_.region_share < 1.0
                      ? static_cast<int>(std::lround(scheduler_.target_kbps() * std::sqrt(source_.region_share)))
                      : 0;
    const int kbps = budget_kbps > 0 ? budget_kbps : scheduler_.target_kbps();
    bytes = static_cast<std::size_t>(static_cast<std::int64_t>(kbps) * covered.count() / 8'000);
    // However long the frame waited, it is one picture: at most what the content takes at full quality.
    bytes = std::min(bytes, static_cast<std::size_t>(source_.demand_kbps * 1000 / 8 / source_.fps));
    if (scheduler_.take_keyframe_request() || now >= next_big_) {
      bytes *= static_cast<std::size_t>(source_.big_factor);
      next_big_ = now + source_.big_every;
    }
  }
  if (first_unsent_key_ < keys_.size()) bytes += kKeyBytes;
  bytes = std::max(bytes, kKeyBytes);
  const auto id = ++next_id_;
  // The host's socket paces at the scheduler's rate (host_session sets SO_MAX_PACING_RATE from it).
  link_.set_pacing_kbps(static_cast<int>(scheduler_.pacing_rate_bps() / 1000));
  link_.send(id, bytes);
  scheduler_.on_sent(id, bytes, budget_kbps);
  last_sent_ = now;
  for (; first_unsent_change_ < changes_.size(); ++first_unsent_change_) changes_[first_unsent_change_].frame = id;
  for (; first_unsent_key_ < keys_.size(); ++first_unsent_key_) keys_[first_unsent_key_].frame = id;
}

std::vector<SimSession::Ms> SimSession::g2g(const std::vector<Change>& changes, TimePoint from,
                                            TimePoint to) const {
  std::vector<Ms> out;
  for (const Change& c : changes) {
    if (c.at < from || c.at >= to || c.frame == 0) continue;
    const SimLink::Delivery* d = link_.delivery(c.frame);
    if (d != nullptr && d->shown) out.push_back(duration_cast<Ms>(*d->shown - c.at));
  }
  return out;
}

std::vector<SimSession::Ms> SimSession::video_g2g(TimePoint from, TimePoint to) const {
  return g2g(changes_, from, to);
}

std::vector<SimSession::Ms> SimSession::key_g2g(TimePoint from, TimePoint to) const { return g2g(keys_, from, to); }

std::vector<SimSession::Ms> SimSession::key_queue_wait(TimePoint from, TimePoint to) const {
  std::vector<Ms> out;
  for (const Change& k : keys_) {
    if (k.at < from || k.at >= to || k.frame == 0) continue;
    const SimLink::Delivery* d = link_.delivery(k.frame);
    if (d != nullptr && d->shown) out.push_back(duration_cast<Ms>(d->queued));
  }
  return out;
}

std::size_t SimSession::first_sample(TimePoint at) const {
  return static_cast<std::size_t>(
      std::lower_bound(samples_.begin(), samples_.end(), at, [](const Sample& s, TimePoint t) { return s.at < t; }) -
      samples_.begin());
}

SimSession::Ms SimSession::longest_queue_above(Ms limit, TimePoint from, TimePoint to) const {
  Ms longest{0};
  TimePoint since = to;  // `to`: not above the limit now
  for (std::size_t i = first_sample(from); i < samples_.size() && samples_[i].at < to; ++i) {
    if (samples_[i].backlog <= limit) {
      since = to;
      continue;
    }
    if (since == to) since = samples_[i].at;
    longest = std::max(longest, duration_cast<Ms>(samples_[i].at - since + kStep));
  }
  return longest;
}

double SimSession::share_queue_above(Ms limit, TimePoint from, TimePoint to) const {
  std::size_t above = 0;
  std::size_t all = 0;
  for (std::size_t i = first_sample(from); i < samples_.size() && samples_[i].at < to; ++i, ++all)
    if (samples_[i].backlog > limit) ++above;
  return all == 0 ? 0.0 : static_cast<double>(above) / static_cast<double>(all);
}

int SimSession::delivered_kbps(TimePoint from, TimePoint to) const {
  const std::size_t a = first_sample(from);
  const std::size_t b = first_sample(to) - 1;
  if (b <= a || b >= samples_.size()) return 0;
  const auto bits = (samples_[b].delivered_bytes - samples_[a].delivered_bytes) * 8;
  const auto ms = duration_cast<milliseconds>(samples_[b].at - samples_[a].at).count();
  return ms == 0 ? 0 : static_cast<int>(static_cast<std::int64_t>(bits) / ms);
}

SimSession::Ms percentile(std::vector<SimSession::Ms> values, double p) {
  if (values.empty()) return SimSession::Ms{0};
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace elfdesk::test
