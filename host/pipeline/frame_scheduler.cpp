#include "host/pipeline/frame_scheduler.hpp"

#include <algorithm>
#include <utility>

namespace elfdesk::host {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

// Exponential smoothing over about eight samples; the first sample is taken as it is.
microseconds smooth(microseconds average, microseconds sample) {
  return average.count() == 0 ? sample : (average * 7 + sample) / 8;
}

}  // namespace

FrameScheduler::FrameScheduler(const Clock& clock, SchedulerConfig config)
    : clock_(clock), config_(config), path_(config.standing_queue), target_kbps_(config.max_kbps) {
  config_.max_in_flight = std::clamp<std::size_t>(config_.max_in_flight, 1, limits::kMaxFramesInFlight);
  last_cut_ = last_raise_ = clock_.now();
}

bool FrameScheduler::window_open_locked() const {
  const std::size_t frames = in_flight_.size();
  if (frames >= config_.max_in_flight) return false;
  // Beyond the floor, the bytes in flight follow the path: enough to keep a long, fast path busy, not so
  // many that they wait in a queue.
  return frames < std::min(kFloorFrames, config_.max_in_flight) || in_flight_bytes_ < window_bytes_locked();
}

bool FrameScheduler::can_send() const {
  const std::lock_guard lock(mutex_);
  return window_open_locked() && clock_.now() - pace_from_ >= interval_locked();
}

bool FrameScheduler::window_open() const {
  const std::lock_guard lock(mutex_);
  return window_open_locked();
}

std::optional<microseconds> FrameScheduler::overtake_after() const {
  const std::lock_guard lock(mutex_);
  if (!window_open_locked()) return std::nullopt;
  const auto now = clock_.now();
  const auto held_until = pace_from_ + interval_locked();
  const auto allowed = began_ + config_.quick_interval;
  if (now >= held_until || allowed >= held_until) return std::nullopt;
  return std::max(duration_cast<microseconds>(allowed - now), microseconds(0));
}

microseconds FrameScheduler::interval_locked() const {
  const auto cap = microseconds(1'000'000 / config_.max_fps);
  return quick_turn_ ? std::min(cap, duration_cast<microseconds>(config_.quick_interval)) : cap;
}

std::uint64_t FrameScheduler::pacing_rate_locked() const {
  if (link_bps_ == 0 || link_bps_ >= kNoPacingAbove) return 0;
  // Above the link's rate, so pacing itself never holds a frame back, and at least twice the bitrate
  // target, so a link that got faster is found as the target probes up (a pace only at the rate of the
  // last cut held the 3 -> 20 Mbit/s recovery at 3.2 Mbit/s in the simulation).
  const auto rate = std::max(link_bps_ * kPacingGainPercent / 100, static_cast<std::uint64_t>(target_kbps_) * 2000);
  return rate >= kNoPacingAbove ? 0 : rate;
}

std::size_t FrameScheduler::window_bytes_locked() const {
  // The path's bandwidth-delay product plus the queue we accept (issue 13: one-way + 60 ms), so the queue
  // cannot grow past the target while the estimate is right; the bytes beyond the product are also what
  // lets the delivery rate show a faster link. While a queue stands: the product alone, so it drains.
  const auto rate = path_.delivery_rate_bps();
  const auto allowance = path_.standing() ? microseconds(0) : microseconds(config_.queue_target);
  return static_cast<std::size_t>(rate * static_cast<std::uint64_t>((path_.min_rtt() + allowance).count()) / 8 /
                                  1'000'000);
}

void FrameScheduler::forget_sent_before_locked(TimePoint at) {
  while (!sent_lately_.empty() && sent_lately_.front().at < at) {
    sent_lately_bytes_ -= sent_lately_.front().bytes;
    sent_lately_as_if_ -= sent_lately_.front().as_if_target;
    sent_lately_.pop_front();
  }
}

int FrameScheduler::as_if_target_locked(int kbps) const {
  if (sent_lately_bytes_ == 0 || sent_lately_as_if_ <= sent_lately_bytes_) return kbps;
  const auto scaled = static_cast<std::uint64_t>(kbps) * sent_lately_as_if_ / sent_lately_bytes_;
  return static_cast<int>(std::min<std::uint64_t>(scaled, static_cast<std::uint64_t>(config_.max_kbps)));
}

void FrameScheduler::start_turn(TurnKind kind) {
  const std::lock_guard lock(mutex_);
  turn_started_ = clock_.now();
  overtaking_ = kind == TurnKind::overtaking;
}

std::chrono::milliseconds FrameScheduler::wait_hint() const {
  const std::lock_guard lock(mutex_);
  const auto interval = interval_locked();
  const auto since = clock_.now() - pace_from_;
  if (since >= interval) return milliseconds(0);
  return duration_cast<milliseconds>(interval - since) + milliseconds(1);
}

void FrameScheduler::on_sent(std::uint64_t frame_id, std::size_t bytes, int budget_kbps) {
  const std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  const std::size_t as_if_target = budget_kbps > 0 && budget_kbps < target_kbps_
                                       ? bytes * static_cast<std::size_t>(target_kbps_) / static_cast<std::size_t>(budget_kbps)
                                       : bytes;
  sent_lately_.push_back({now, bytes, as_if_target});
  sent_lately_bytes_ += bytes;
  sent_lately_as_if_ += as_if_target;
  forget_sent_before_locked(now - kSentWindow);
  in_flight_bytes_ += bytes;
  in_flight_.push_back({frame_id, bytes, now, path_.mark(now, in_flight_bytes_, in_flight_.empty())});
  if (turn_started_) began_ = *turn_started_;
  if (!overtaking_) {
    const bool small = bytes <= config_.quick_bytes;
    if (turn_started_) {
      quick_turn_ = small && now - *turn_started_ <= config_.quick_work;
    } else {
      quick_turn_ = quick_turn_ && small;  // a second message of the same turn
    }
    pace_from_ = turn_started_.value_or(now);
  }
  turn_started_.reset();
}

bool FrameScheduler::on_ack(const protocol::FrameAck& ack) {
  const std::lock_guard lock(mutex_);
  const auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const Sent& s) { return s.id == ack.frame_id; });
  if (it == in_flight_.end()) return false;
  const auto now = clock_.now();
  // The viewer's decode and present time is not the link's: without it a viewer that takes 30 ms to show
  // each frame would look like a congested link and have its bitrate cut. (It still holds frames back:
  // the in-flight count is released only by the ack.)
  const auto viewer = microseconds(static_cast<std::int64_t>(ack.decode_us) + static_cast<std::int64_t>(ack.present_us));
  const auto delay = std::max(duration_cast<microseconds>(now - it->at) - viewer, microseconds(0));
  viewer_time_ = smooth(viewer_time_, viewer);
  // Acks are in order on one TCP stream; anything older than the acked frame is acknowledged too.
  std::size_t acked = 0;
  for (auto i = in_flight_.begin(); i != std::next(it); ++i) acked += i->bytes;
  const bool was_unexplained = path_.unexplained();
  const auto path_changes = path_.path_changes();
  path_.on_ack(now, delay, acked, it->mark, it->bytes);
  if (!was_unexplained && path_.unexplained()) target_before_unexplained_ = target_kbps_;
  // The delay was the path's, not a queue: the cuts made for it while it stood were mistakes. Without
  // this a route from 40 to 300 ms took the target from 20 Mbit/s to 0.8 while it was being recognised
  // (5 s: a frame under way when it changed made it two steps), and it took seconds more to come back.
  if (path_.path_changes() != path_changes) target_kbps_ = std::max(target_kbps_, target_before_unexplained_);
  in_flight_bytes_ -= acked;
  in_flight_.erase(in_flight_.begin(), std::next(it));
  ack_delay_ = smooth(ack_delay_, delay);
  adapt_rate_locked(now);
  return true;
}

void FrameScheduler::adapt_rate_locked(TimePoint now) {
  const int delivery_kbps = static_cast<int>(path_.delivery_rate_bps() / 1000);
  if (path_.standing()) {
    // Once a round at most: the acks show a cut one round trip, queue included, after it was made.
    const auto round = std::max<microseconds>(path_.min_rtt() + path_.queue_delay(), kMinRound);
    if (now - last_cut_ < round) return;
    last_cut_ = last_raise_ = now;
    if (path_.queue_can_be_ours() && delivery_kbps > 0) {
      // The link, not the screen, limits us. Aim below what it delivers (the last rounds' rate: a link
      // that slowed down is believed at once) so the queue drains. The target is in whole-screen terms
      // while a region's encoder spends only its share of it (on_sent): the link's rate is scaled the
      // same way, so the bytes sent, not the target, come to just under the link. Cut to the link's rate
      // itself, a 640x360 video (a third of the target) sent a third of poor's 1 Mbit/s after each cut
      // and probed back up for seconds: 60% of the link on average, and a queue at each peak.
      const int base = std::min(target_kbps_, as_if_target_locked(delivery_kbps));
      target_kbps_ = std::clamp(base * 85 / 100, config_.min_kbps, config_.max_kbps);
      // The link limits us: pacing_rate_bps() follows. Its base is the 4 s max, not the recent rate the
      // cut aims below: on the links the recent samples of a queue read 0.55 of poor's 1 Mbit/s and 0.6 of
      // mobile's 3 (big frames, sparse acks), and pacing below the link's rate only holds frames back.
      // Too high a base after a drop costs nothing: the link paces then.
      link_bps_ = path_.peak_rate_bps();
    } else {
      // Delay our few bytes in flight do not explain: retransmissions after a frame overflowed a shallow
      // buffer, someone else's queue, a path that just got longer. Smaller frames help the first, backing
      // off is fair to the second; what we sent lately is no measure of the link, so no cut to it.
      target_kbps_ = std::clamp(target_kbps_ * 9 / 10, config_.min_kbps, config_.max_kbps);
    }
    return;
  }
  if (now - last_raise_ < kRaiseEvery) return;
  last_raise_ = now;
  forget_sent_before_locked(now - kSentWindow);
  const auto sent_kbps = static_cast<std::int64_t>(sent_lately_as_if_) * 8 / kSentWindow.count();
  const int ceiling = static_cast<int>(std::min<std::int64_t>(sent_kbps * kRaiseOverSentPercent / 100, config_.max_kbps));
  if (target_kbps_ >= ceiling) return;  // the screen, not the target, limits what is sent
  // No queue: probe up, gently for the first seconds after a cut (the link's rate is near: 1/32 of the
  // target per step, 13% a second), then faster the longer the path has room, so a link that got faster
  // is used within seconds: 1/16 in the fourth second, 1/8 in the fifth, 1/4 (2.4x a second) from the
  // sixth.
  const auto calm = std::chrono::duration_cast<std::chrono::seconds>(now - last_cut_).count();
  int shift = static_cast<int>(std::clamp<std::int64_t>(7 - calm, 2, 5));
  // At least 50 kbit/s a step, so a low target gets anywhere ...
  int step = std::max(50, target_kbps_ >> shift);
  // ... except near the link's rate as the last cut measured it (in the target's terms), whatever the
  // time since: 1/64 a step (6% a second), so the probe passes the rate where the queue began slowly and
  // overshoots it little. With 50 a step poor's video (1 Mbit/s) went from a cut back past the link in
  // 1.5 s, 20% a second, and stood in a queue again. Past 6/5 of it without a queue the link got faster,
  // and the probe speeds up again.
  if (const int link = as_if_target_locked(static_cast<int>(link_bps_ / 1000));
      link_bps_ > 0 && target_kbps_ >= link * 9 / 10 && target_kbps_ <= link * 6 / 5)
    step = std::max(1, target_kbps_ >> kNearLinkShift);
  target_kbps_ = std::min(ceiling, target_kbps_ + step);
}

void FrameScheduler::request_keyframe() {
  const std::lock_guard lock(mutex_);
  keyframe_requested_ = true;
}

void FrameScheduler::restart() {
  const std::lock_guard lock(mutex_);
  in_flight_.clear();
  in_flight_bytes_ = 0;  // the window counts bytes of the frames forgotten above
  keyframe_requested_ = true;
}

bool FrameScheduler::take_keyframe_request() {
  const std::lock_guard lock(mutex_);
  return std::exchange(keyframe_requested_, false);
}

int FrameScheduler::target_kbps() const {
  const std::lock_guard lock(mutex_);
  return target_kbps_;
}

std::size_t FrameScheduler::in_flight() const {
  const std::lock_guard lock(mutex_);
  return in_flight_.size();
}

std::chrono::microseconds FrameScheduler::ack_delay() const {
  const std::lock_guard lock(mutex_);
  return ack_delay_;
}

std::chrono::microseconds FrameScheduler::viewer_time() const {
  const std::lock_guard lock(mutex_);
  return viewer_time_;
}

std::chrono::microseconds FrameScheduler::min_rtt() const {
  const std::lock_guard lock(mutex_);
  return path_.min_rtt();
}

std::chrono::microseconds FrameScheduler::queue_delay() const {
  const std::lock_guard lock(mutex_);
  return path_.queue_delay();
}

int FrameScheduler::delivery_kbps() const {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(path_.delivery_rate_bps() / 1000);
}

std::uint64_t FrameScheduler::pacing_rate_bps() const {
  const std::lock_guard lock(mutex_);
  return pacing_rate_locked();
}

std::size_t FrameScheduler::window_bytes() const {
  const std::lock_guard lock(mutex_);
  return window_bytes_locked();
}

std::size_t FrameScheduler::in_flight_bytes() const {
  const std::lock_guard lock(mutex_);
  return in_flight_bytes_;
}

}  // namespace elfdesk::host
