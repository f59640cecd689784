// Decides, frame by frame, whether what VP8 must code lies in a rectangle much smaller than the screen (a
// playing video, a window moved within an area), so that a second, smaller encoder can code just that
// rectangle (a region frame) instead of a full-screen frame whose active map leaves most of it out.
// Pure policy with a frame count for memory (no clock, no encoder); video thread only.
#pragma once
#include <deque>
#include <optional>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

struct RegionPolicy {
  int history = 8;             // frames whose damage is remembered
  int min_frames = 4;          // damage seen in at least this many of them before a region starts
  double max_share = 0.45;     // a region covers at most this share of the screen
  int margin = 32;             // pixels added around the damage (a moving window, jitter), then 16-aligned
  // Frames between two new regions (each starts with a keyframe of the region stream): a window moved
  // and resized across the screen kept escaping, growing and restarting its region, and the keyframes
  // nearly doubled its bytes (bench, docs/performance.md). At most one a second, then.
  int min_gap = 30;
  // A region that damage escapes within this many frames of its start did not hold: the motion roams (a
  // document dragged and resized over the screen started a region every 0.75 s, each a new encoder and a
  // 30-90 KB keyframe, for a fifth of the workload's bytes and no CPU saved). Each such region doubles
  // the gap before the next one, up to max_gap; a region that holds, or settles smaller, sets it back.
  int short_life = 90;
  int max_gap = 240;
};

class RegionPicker {
 public:
  explicit RegionPicker(RegionPolicy policy = {}) : policy_(policy) {}

  // One frame's VP8 area (screen coordinates, non-empty) on a width x height screen: the region to code it
  // in, or nullopt for the full-frame encoder. The region changes (grows, starts, shrinks) only with
  // hysteresis: it grows when damage escapes it while staying small, is dropped when damage escapes too
  // far, and shrinks when the last `history` frames' damage fits in half of it.
  std::optional<Rect> place(const std::vector<Rect>& area, int width, int height);
  // Forget everything (a keyframe, a new screen size, a new viewer), the gap's backoff included.
  void reset();
  const std::optional<Rect>& region() const { return region_; }

 private:
  std::optional<Rect> candidate(Rect damage, int width, int height) const;
  // Takes `next` as the region; a new region only after gap_ frames (else none, or the old one kept when
  // `keep` is set: a shrink).
  const std::optional<Rect>& change_to(std::optional<Rect> next, bool keep);
  // The current region ends (dropped, grown, or shrunk when `settled`): sets gap_ by how long it held.
  void region_ends(bool settled);

  RegionPolicy policy_;
  std::deque<Rect> recent_;  // bounding box of each recent frame's VP8 area, newest last
  std::optional<Rect> region_;
  int screen_w_ = 0, screen_h_ = 0;
  int since_new_ = 1 << 20;  // frames since the last new region
  int gap_ = policy_.min_gap;  // frames before the next new region may start
  bool regrown_ = false;  // the current region grew in its first frames (place(): at most once)
};

// The smallest rectangle holding both (either may be empty).
Rect unite(const Rect& a, const Rect& b);
bool contains(const Rect& outer, const Rect& inner);

}  // namespace elfdesk::host
