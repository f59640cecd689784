#include "host/capture/frame_history.hpp"

#include <algorithm>
#include <cstring>

#include "host/capture/block_diff.hpp"

namespace elfdesk::host {

void FrameHistory::catch_up(const BgraImage& current) {
  if (!valid_ || previous_.width != current.width || previous_.height != current.height) {
    previous_ = current;
    valid_ = !current.pixels.empty();
    pending_.clear();
    return;
  }
  for (const Rect& r : pending_) {
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.width, current.width), y1 = std::min(r.y + r.height, current.height);
    if (x1 <= x0 || y1 <= y0) continue;
    for (int y = y0; y < y1; ++y)
      std::memcpy(previous_.row(y) + static_cast<std::size_t>(x0) * 4, current.row(y) + static_cast<std::size_t>(x0) * 4,
                  static_cast<std::size_t>(x1 - x0) * 4);
  }
  pending_.clear();
}

void FrameHistory::hand_out(CapturedFrame& frame) {
  const BgraImage& image = *frame.image;
  const bool comparable = valid_ && !frame.size_changed && previous_.width == image.width &&
                          previous_.height == image.height;
  frame.previous = comparable ? &previous_ : nullptr;
  pending_ = frame.dirty;
  if (!comparable) {
    // Nothing to compare with: the whole picture is new, and the next catch_up takes all of it.
    valid_ = false;
    frame.changed.clear();
    return;
  }
  if (!frame.changed.empty()) return;
  long area = 0;
  for (const Rect& r : frame.dirty) area += static_cast<long>(r.width) * r.height;
  if (area > kBoundsSearchArea) return;  // motion: the planner bounds its few small pieces itself
  frame.changed.reserve(frame.dirty.size());
  for (const Rect& r : frame.dirty) frame.changed.push_back(changed_bounds(previous_, image, r));
}

}  // namespace elfdesk::host
