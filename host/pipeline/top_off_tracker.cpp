#include "host/pipeline/top_off_tracker.hpp"

#include <algorithm>

#include "host/capture/block_diff.hpp"

namespace elfdesk::host {

namespace {
constexpr int kBlock = kDiffBlockSize;  // the capturer's and the encoder's (macroblock) grid
}

TopOffTracker::TopOffTracker(std::chrono::milliseconds delay, std::chrono::milliseconds busy_delay)
    : delay_(delay), busy_delay_(std::max(delay, busy_delay)) {}

void TopOffTracker::on_keyframe(int width, int height) {
  width_ = std::max(width, 0);
  height_ = std::max(height, 0);
  cols_ = (width_ + kBlock - 1) / kBlock;
  rows_ = (height_ + kBlock - 1) / kBlock;
  const auto cells = static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_);
  dirty_.assign(cells, 0);
  changed_at_.assign(cells, TimePoint{});
  pending_ = 0;
}

template <typename F>
void TopOffTracker::for_blocks(const Rect& r, F&& f) {
  const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
  const int x1 = std::min(r.x + r.width, width_), y1 = std::min(r.y + r.height, height_);
  if (x1 <= x0 || y1 <= y0) return;
  for (int row = y0 / kBlock; row <= (y1 - 1) / kBlock; ++row) {
    for (int col = x0 / kBlock; col <= (x1 - 1) / kBlock; ++col) {
      f(static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col));
    }
  }
}

void TopOffTracker::on_delta(const std::vector<Rect>& dirty, TimePoint now) {
  for (const Rect& r : dirty) {
    for_blocks(r, [&](std::size_t i) {
      if (!dirty_[i]) ++pending_;
      dirty_[i] = 1;
      changed_at_[i] = now;
    });
  }
  if (!dirty.empty()) last_change_ = now;
}

// Due: blocks still for `delay`, once the whole screen has been still for `delay` too, or once the oldest
// of them has waited `busy_delay` (something else keeps changing).
std::vector<Rect> TopOffTracker::due(TimePoint now) const {
  if (pending_ == 0) return {};
  std::vector<std::uint8_t> ripe(dirty_.size(), 0);
  TimePoint oldest = TimePoint::max();
  bool any = false;
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    if (!dirty_[i] || now - changed_at_[i] < delay_) continue;
    ripe[i] = 1;
    any = true;
    oldest = std::min(oldest, changed_at_[i]);
  }
  if (!any) return {};
  if (now - last_change_ < delay_ && now - oldest < busy_delay_) return {};
  return merge_blocks(ripe, cols_, rows_, kBlock, width_, height_);
}

void TopOffTracker::on_copy(const Rect& to, int dy, TimePoint now) {
  const std::vector<std::uint8_t> before = dirty_;
  for_blocks(to, [&](std::size_t i) {
    const int row = static_cast<int>(i / static_cast<std::size_t>(cols_));
    const int col = static_cast<int>(i % static_cast<std::size_t>(cols_));
    const int top = row * kBlock, bottom = std::min(top + kBlock, height_);
    const int left = col * kBlock, right = std::min(left + kBlock, width_);
    // A block the copy covers only in part keeps its own content elsewhere.
    const bool partial = top < to.y || bottom > to.y + to.height || left < to.x || right > to.x + to.width;
    bool blurred = partial && before[i] != 0;
    const int y0 = std::max(top, to.y) + dy, y1 = std::min(bottom, to.y + to.height) + dy;
    for (int source = std::max(y0, 0) / kBlock; source <= (y1 - 1) / kBlock && source < rows_; ++source)
      blurred = blurred || before[static_cast<std::size_t>(source) * static_cast<std::size_t>(cols_) +
                                  static_cast<std::size_t>(col)] != 0;
    dirty_[i] = blurred ? 1 : 0;
    if (blurred) changed_at_[i] = now;
  });
  pending_ = static_cast<std::size_t>(std::count(dirty_.begin(), dirty_.end(), std::uint8_t{1}));
  last_change_ = now;
}

void TopOffTracker::on_refined(const std::vector<Rect>& area) {
  for (const Rect& r : area) {
    for_blocks(r, [&](std::size_t i) {
      const int top = static_cast<int>(i / static_cast<std::size_t>(cols_)) * kBlock;
      const int left = static_cast<int>(i % static_cast<std::size_t>(cols_)) * kBlock;
      const bool whole = r.x <= left && r.y <= top && std::min(left + kBlock, width_) <= r.x + r.width &&
                         std::min(top + kBlock, height_) <= r.y + r.height;
      if (!whole) return;
      if (dirty_[i]) --pending_;
      dirty_[i] = 0;
    });
  }
}

std::chrono::milliseconds TopOffTracker::time_to_due(TimePoint now) const {
  if (pending_ == 0) return std::chrono::milliseconds::max();
  TimePoint oldest = TimePoint::max();
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    if (dirty_[i]) oldest = std::min(oldest, changed_at_[i]);
  }
  const TimePoint at = std::min(last_change_ + delay_, oldest + busy_delay_);
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(at - now);
}

}  // namespace elfdesk::host
