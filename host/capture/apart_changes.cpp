#include "host/capture/apart_changes.hpp"

#include <algorithm>
#include <iterator>

namespace elfdesk::host {

Rect bounding_box(const std::vector<Rect>& rects) {
  if (rects.empty()) return {};
  int x0 = rects.front().x, y0 = rects.front().y, x1 = x0, y1 = y0;
  for (const Rect& r : rects) {
    x0 = std::min(x0, r.x);
    y0 = std::min(y0, r.y);
    x1 = std::max(x1, r.x + r.width);
    y1 = std::max(y1, r.y + r.height);
  }
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

std::vector<bool> small_and_apart(const std::vector<Rect>& rects) {
  constexpr long kSmall = 32L * 32;
  constexpr int kApart = 32;
  const auto is_small = [](const Rect& r) { return static_cast<long>(r.width) * r.height <= kSmall; };
  std::vector<Rect> larger;
  std::copy_if(rects.begin(), rects.end(), std::back_inserter(larger), [&](const Rect& r) { return !is_small(r); });
  const Rect large = bounding_box(larger);
  const auto near_large = [&](const Rect& r) {
    return !large.empty() && r.x < large.x + large.width + kApart && large.x < r.x + r.width + kApart &&
           r.y < large.y + large.height + kApart && large.y < r.y + r.height + kApart;
  };
  std::vector<bool> out;
  out.reserve(rects.size());
  for (const Rect& r : rects) out.push_back(is_small(r) && !near_large(r));
  return out;
}

}  // namespace elfdesk::host
