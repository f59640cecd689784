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
    : clock_(clock), config_(config), target_kbps_(config.max_kbps) {
  config_.max_in_flight = std::clamp<std::size_t>(config_.max_in_flight, 1, limits::kMaxFramesInFlight);
  window_start_ = clock_.now();
}

bool FrameScheduler::can_send() const {
  const std::lock_guard lock(mutex_);
  if (in_flight_.size() >= config_.max_in_flight) return false;
  return clock_.now() - last_send_ >= microseconds(1'000'000 / config_.max_fps);
}

std::chrono::milliseconds FrameScheduler::wait_hint() const {
  const std::lock_guard lock(mutex_);
  const auto interval = microseconds(1'000'000 / config_.max_fps);
  const auto since = clock_.now() - last_send_;
  if (since >= interval) return milliseconds(0);
  return duration_cast<milliseconds>(interval - since) + milliseconds(1);
}

void FrameScheduler::on_sent(std::uint64_t frame_id, std::size_t bytes) {
  const std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  in_flight_.push_back({frame_id, bytes, now});
  last_send_ = now;
  if (in_flight_.size() >= config_.max_in_flight) window_saturated_ = true;
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
  for (auto i = in_flight_.begin(); i != std::next(it); ++i) window_bytes_ += i->bytes;
  in_flight_.erase(in_flight_.begin(), std::next(it));
  ack_delay_ = smooth(ack_delay_, delay);
  adapt_rate_locked(now);
  return true;
}

void FrameScheduler::adapt_rate_locked(TimePoint now) {
  const auto elapsed = now - window_start_;
  if (elapsed < milliseconds(1000)) return;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const int delivered_kbps = static_cast<int>(static_cast<double>(window_bytes_) * 8.0 / 1000.0 / seconds);
  if (window_saturated_ && ack_delay_ > milliseconds(100)) {
    // The link, not the screen, limits us: aim below what it delivered so queues drain.
    target_kbps_ = std::clamp(delivered_kbps * 8 / 10, config_.min_kbps, config_.max_kbps);
  } else {
    target_kbps_ = std::min(config_.max_kbps, target_kbps_ + std::max(100, target_kbps_ / 8));
  }
  window_start_ = now;
  window_bytes_ = 0;
  window_saturated_ = false;
}

void FrameScheduler::request_keyframe() {
  const std::lock_guard lock(mutex_);
  keyframe_requested_ = true;
}

void FrameScheduler::restart() {
  const std::lock_guard lock(mutex_);
  in_flight_.clear();
  window_saturated_ = false;
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

}  // namespace elfdesk::host
