#include "host/pipeline/top_off_tracker.hpp"

#include <algorithm>

#include "host/capture/block_diff.hpp"

namespace elfdesk::host {

namespace {
constexpr int kBlock = kDiffBlockSize;  // the capturer's and the encoder's (macroblock) grid
}

TopOffTracker::TopOffTracker(std::chrono::milliseconds delay, std::chrono::milliseconds busy_delay,
                             bool lossless_pass)
    : delay_(delay), busy_delay_(std::max(delay, busy_delay)), lossless_pass_(lossless_pass) {}

void TopOffTracker::set(std::size_t i, State s) {
  if (s == kLossy && !lossless_pass_) s = kExact;      // nothing would ever improve it
  if (s == kCoarse && !lossless_pass_) s = kBlurred;  // only a top-off can
  const auto count = [](std::size_t& n, bool was, bool is) {
    if (was && !is) --n;
    if (is && !was) ++n;
  };
  count(blurred_, state_[i] == kBlurred, s == kBlurred);
  count(lossy_, state_[i] == kLossy, s == kLossy);
  count(coarse_, state_[i] == kCoarse, s == kCoarse);
  state_[i] = s;
}

void TopOffTracker::touch(std::size_t i, TimePoint now) {
  touched_at_[i] = now;
  quiet_stale_ = true;
}

void TopOffTracker::reset(int width, int height, State state) {
  width_ = std::max(width, 0);
  height_ = std::max(height, 0);
  cols_ = (width_ + kBlock - 1) / kBlock;
  rows_ = (height_ + kBlock - 1) / kBlock;
  const auto cells = static_cast<std::size_t>(cols_) * static_cast<std::size_t>(rows_);
  state_.assign(cells, kExact);
  changed_at_.assign(cells, TimePoint{});
  touched_at_.assign(cells, TimePoint::min());
  quiet_stale_ = true;
  blurred_ = lossy_ = coarse_ = 0;
  for (std::size_t i = 0; i < cells; ++i) set(i, state);
}

void TopOffTracker::on_keyframe(int width, int height) { reset(width, height, kLossy); }

// Its blocks count as still for `delay` already: nothing is known to move, so the lossless pass may start
// with the next idle turn, and what it leaves lossy is due for its top-off at once.
void TopOffTracker::on_quick_keyframe(int width, int height, TimePoint now) {
  reset(width, height, kCoarse);
  std::fill(changed_at_.begin(), changed_at_.end(), now - delay_);
  std::fill(touched_at_.begin(), touched_at_.end(), now - delay_);
  last_change_ = now - delay_;
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

template <typename F>
void TopOffTracker::for_whole_blocks(const Rect& r, F&& f) {
  for_blocks(r, [&](std::size_t i) {
    const int top = static_cast<int>(i / static_cast<std::size_t>(cols_)) * kBlock;
    const int left = static_cast<int>(i % static_cast<std::size_t>(cols_)) * kBlock;
    if (r.x <= left && r.y <= top && std::min(left + kBlock, width_) <= r.x + r.width &&
        std::min(top + kBlock, height_) <= r.y + r.height)
      f(i);
  });
}

void TopOffTracker::on_delta(const std::vector<Rect>& dirty, TimePoint now) {
  for (const Rect& r : dirty) {
    for_blocks(r, [&](std::size_t i) {
      set(i, kBlurred);
      changed_at_[i] = now;
      touch(i, now);
    });
  }
  if (!dirty.empty()) last_change_ = now;
}

// Due: blurred blocks still for `delay`, once the whole screen has been still for `delay` too, or once the
// oldest of them has waited `busy_delay` (something else keeps changing). Coarse blocks wait for the
// lossless pass, which needs a settled screen; while it is not, they are due after coarse_wait(): a scroll
// or a drag replaces much of them meanwhile, a video playing from the start must not keep them coarse.
std::vector<Rect> TopOffTracker::due(TimePoint now) const {
  if (blurred_ == 0 && (coarse_ == 0 || settled(now))) return {};
  std::vector<std::uint8_t> ripe(state_.size(), 0);
  TimePoint oldest = TimePoint::max();
  bool any = false;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    const bool ripe_blurred = state_[i] == kBlurred && now - changed_at_[i] >= delay_;
    const bool ripe_coarse = state_[i] == kCoarse && !settled(now) && now - changed_at_[i] >= coarse_wait();
    if (!ripe_blurred && !ripe_coarse) continue;
    ripe[i] = 1;
    any = true;
    oldest = std::min(oldest, changed_at_[i]);
  }
  if (!any) return {};
  if (now - last_change_ < delay_ && std::max(oldest, last_top_off_) > now - busy_delay_) return {};
  return merge_blocks(ripe, cols_, rows_, kBlock, width_, height_);
}

std::vector<Rect> TopOffTracker::lossless_due(TimePoint now) const {
  if (!lossless_pass_ || !pending()) return {};
  std::vector<std::uint8_t> flags(state_.size(), 0);
  if (settled(now)) {
    for (std::size_t i = 0; i < state_.size(); ++i) flags[i] = state_[i] != kExact;
  } else {
    // Blocks come quiet one by one (a line crossing a still picture leaves a block behind each frame):
    // the first waits `delay` more, so those that follow share its update.
    if (lossy_ == 0) return {};
    const auto& quiet = quiet_at();
    TimePoint first = TimePoint::max();
    for (std::size_t i = 0; i < state_.size(); ++i) {
      flags[i] = state_[i] == kLossy && quiet[i] <= now;
      if (flags[i]) first = std::min(first, quiet[i]);
    }
    if (first == TimePoint::max()) return {};
    if (first != TimePoint::min() && now - first < delay_) return {};  // min(): never touched since a keyframe
  }
  return merge_blocks(flags, cols_, rows_, kBlock, width_, height_);
}

// The latest touch within kQuietMargin blocks each way (a square), row by row and then column by column,
// plus quiet_wait(). Recomputed at most once per change of the picture (a video: 30 times a second, ~8000
// blocks at 1080p).
const std::vector<TopOffTracker::TimePoint>& TopOffTracker::quiet_at() const {
  if (!quiet_stale_) return quiet_at_;
  std::vector<TimePoint> across(touched_at_.size());
  const auto at = [&](int row, int col) {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols_) + static_cast<std::size_t>(col);
  };
  for (int row = 0; row < rows_; ++row)
    for (int col = 0; col < cols_; ++col) {
      TimePoint latest = TimePoint::min();
      for (int c = std::max(col - kQuietMargin, 0); c <= std::min(col + kQuietMargin, cols_ - 1); ++c)
        latest = std::max(latest, touched_at_[at(row, c)]);
      across[at(row, col)] = latest;
    }
  quiet_at_.resize(touched_at_.size());
  for (int row = 0; row < rows_; ++row)
    for (int col = 0; col < cols_; ++col) {
      TimePoint latest = TimePoint::min();
      for (int r = std::max(row - kQuietMargin, 0); r <= std::min(row + kQuietMargin, rows_ - 1); ++r)
        latest = std::max(latest, across[at(r, col)]);
      quiet_at_[at(row, col)] = latest == TimePoint::min() ? latest : latest + quiet_wait();
    }
  quiet_stale_ = false;
  return quiet_at_;
}

void TopOffTracker::on_copy(const Rect& to, int dx, int dy, TimePoint now) {
  const std::vector<std::uint8_t> before = state_;
  for_blocks(to, [&](std::size_t i) {
    const int row = static_cast<int>(i / static_cast<std::size_t>(cols_));
    const int col = static_cast<int>(i % static_cast<std::size_t>(cols_));
    const int top = row * kBlock, bottom = std::min(top + kBlock, height_);
    const int left = col * kBlock, right = std::min(left + kBlock, width_);
    // A block the copy covers only in part keeps its own content elsewhere.
    const bool partial = top < to.y || bottom > to.y + to.height || left < to.x || right > to.x + to.width;
    std::uint8_t worst = partial ? before[i] : std::uint8_t{kExact};
    // The source blocks of the covered part: the block takes the worst of them.
    const int y0 = std::max(top, to.y) + dy, y1 = std::min(bottom, to.y + to.height) + dy;
    const int x0 = std::max(left, to.x) + dx, x1 = std::min(right, to.x + to.width) + dx;
    for (int source_row = std::max(y0, 0) / kBlock; source_row <= (y1 - 1) / kBlock && source_row < rows_; ++source_row)
      for (int source_col = std::max(x0, 0) / kBlock; source_col <= (x1 - 1) / kBlock && source_col < cols_;
           ++source_col)
        worst = std::max(worst, before[static_cast<std::size_t>(source_row) * static_cast<std::size_t>(cols_) +
                                       static_cast<std::size_t>(source_col)]);
    set(i, static_cast<State>(worst));
    if (worst == kBlurred) changed_at_[i] = now;
    touch(i, now);
  });
  last_change_ = now;
}

void TopOffTracker::on_sharpened(const std::vector<Rect>& area, TimePoint now) {
  last_top_off_ = now;
  for (const Rect& r : area) for_whole_blocks(r, [&](std::size_t i) { set(i, kLossy); });
}

void TopOffTracker::on_exact(const std::vector<Rect>& area) {
  for (const Rect& r : area) for_whole_blocks(r, [&](std::size_t i) { set(i, kExact); });
}

void TopOffTracker::on_kept_lossy(const std::vector<Rect>& area) {
  for (const Rect& r : area)
    for_whole_blocks(r, [&](std::size_t i) {
      if (state_[i] == kLossy) set(i, kExact);
      if (state_[i] == kCoarse) set(i, kBlurred);  // due at once (changed_at_: see on_quick_keyframe)
    });
}

std::chrono::milliseconds TopOffTracker::time_to_due(TimePoint now) const {
  if (!pending()) return std::chrono::milliseconds::max();
  TimePoint at = last_change_ + delay_;  // the screen settles (the lossless pass, and due() for all)
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (state_[i] == kBlurred) at = std::min(at, std::max(changed_at_[i], last_top_off_) + busy_delay_);
    if (state_[i] == kCoarse) at = std::min(at, std::max(changed_at_[i] + coarse_wait(), last_top_off_ + busy_delay_));
  }
  if (lossy_ > 0 && at > now) {  // not settled yet: a quiet neighbourhood's lossless pass may come sooner
    const auto& quiet = quiet_at();
    for (std::size_t i = 0; i < state_.size(); ++i)
      if (state_[i] == kLossy && quiet[i] != TimePoint::min()) at = std::min(at, quiet[i] + delay_);
      else if (state_[i] == kLossy) at = now;
  }
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(at - now);
}

}  // namespace elfdesk::host
