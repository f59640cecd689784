#include "host/pipeline/region_picker.hpp"

#include <algorithm>

#include "common/media/colour_convert.hpp"

namespace elfdesk::host {

namespace {

long area_of(const Rect& r) { return r.empty() ? 0 : static_cast<long>(r.width) * r.height; }

}  // namespace

Rect unite(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const int x1 = std::max(a.x + a.width, b.x + b.width), y1 = std::max(a.y + a.height, b.y + b.height);
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

bool contains(const Rect& outer, const Rect& inner) {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width &&
         inner.y + inner.height <= outer.y + outer.height;
}

void RegionPicker::reset() {
  recent_.clear();
  region_.reset();
  since_new_ = 1 << 20;
  gap_ = policy_.min_gap;
  regrown_ = false;
}

void RegionPicker::region_ends(bool settled) {
  if (!region_) return;
  const bool held = settled || since_new_ >= policy_.short_life;
  gap_ = held ? policy_.min_gap : std::max(policy_.min_gap, std::min(2 * gap_, policy_.max_gap));
}

const std::optional<Rect>& RegionPicker::change_to(std::optional<Rect> next, bool keep) {
  if (next == region_) return region_;
  if (next && since_new_ < gap_) {  // too soon for another keyframe of the region stream
    if (!keep) {
      region_ends(false);
      region_.reset();
    }
    return region_;
  }
  region_ends(keep);
  if (next) since_new_ = 0;
  if (next && !keep) regrown_ = false;
  region_ = next;
  return region_;
}

// `damage` with the margin around it, on whole macroblocks, if that is small enough for a region.
std::optional<Rect> RegionPicker::candidate(Rect damage, int width, int height) const {
  damage = Rect{damage.x - policy_.margin, damage.y - policy_.margin, damage.width + 2 * policy_.margin,
                damage.height + 2 * policy_.margin};
  const Rect aligned = media::align_rect(damage, 16, width, height);
  if (aligned.empty() || static_cast<double>(area_of(aligned)) > policy_.max_share * width * height)
    return std::nullopt;
  return aligned;
}

std::optional<Rect> RegionPicker::place(const std::vector<Rect>& area, int width, int height) {
  if (width != screen_w_ || height != screen_h_) {
    reset();
    screen_w_ = width;
    screen_h_ = height;
  }
  Rect box;
  for (const Rect& r : area) box = unite(box, r);
  if (box.empty()) return region_;
  ++since_new_;
  recent_.push_back(box);
  while (recent_.size() > static_cast<std::size_t>(std::max(policy_.history, 1))) recent_.pop_front();
  Rect recent;
  for (const Rect& r : recent_) recent = unite(recent, r);

  if (region_ && contains(*region_, box)) {
    // Damage that settled into a much smaller part (a window stopped, a video left playing): shrink, so
    // the region encoder's per-frame work follows. Only with a full history, so that it cannot flap.
    if (recent_.size() == static_cast<std::size_t>(policy_.history))
      if (auto smaller = candidate(recent, width, height); smaller && 2 * area_of(*smaller) < area_of(*region_))
        return change_to(smaller, true);
    return region_;
  }
  // Escaped: grow around both while that stays small, else back to full frames until the recent damage
  // (which now holds this frame) is small again.
  if (region_) {
    std::optional<Rect> grown = candidate(unite(*region_, box), width, height);
    // Escaped in its first frames by damage that alone needs all of the region and more: it was placed
    // too tight (a video whose first frames changed only part of it), not roaming motion (a dragged
    // window's damage leaves where it was). It grows at once, once, as a region of its own life. Dropped
    // within the gap instead, it counted as short-lived, and the gap's backoff kept poor's video on the
    // full-frame encoder for ~150 frames (docs/performance.md).
    const std::optional<Rect> alone = candidate(box, width, height);
    if (grown && alone && contains(*alone, *region_) && !regrown_ && since_new_ <= policy_.history) {
      regrown_ = true;
      since_new_ = 0;
      region_ = grown;
      return region_;
    }
    return change_to(std::move(grown), false);
  }
  if (recent_.size() >= static_cast<std::size_t>(policy_.min_frames))
    return change_to(candidate(recent, width, height), false);
  return region_;
}

}  // namespace elfdesk::host
