#include "host/capture/block_diff.hpp"

#include <algorithm>
#include <cstring>

namespace elfdesk::host {

namespace {

// The smallest rectangle inside [x0, x1) x [y0, y1) holding every pixel that differs between the rows
// `a(y)` and `b(y)`, or an empty one. Whole rows are compared first; a differing row is searched pixel by
// pixel only where it could widen the bounds, so noisy content costs about one memcmp.
template <typename RowA, typename RowB>
Rect difference_bounds(RowA a, RowB b, int x0, int y0, int x1, int y1) {
  const auto bytes = static_cast<std::size_t>(x1 - x0) * 4;
  const auto row_differs = [&](int y) { return std::memcmp(a(y) + x0 * 4, b(y) + x0 * 4, bytes) != 0; };
  int top = y0;
  while (top < y1 && !row_differs(top)) ++top;
  if (top >= y1 || x1 <= x0) return {};
  int bottom = y1 - 1;
  while (!row_differs(bottom)) --bottom;
  int left = x1, right = x0;
  for (int y = top; y <= bottom && (left > x0 || right < x1); ++y) {
    if (y != top && y != bottom && !row_differs(y)) continue;
    const std::uint8_t* pa = a(y);
    const std::uint8_t* pb = b(y);
    const auto differs = [&](int x) {  // one 32-bit load each (a memcmp call costs more than the compare)
      std::uint32_t pixel_a = 0, pixel_b = 0;
      std::memcpy(&pixel_a, pa + x * 4, 4);
      std::memcpy(&pixel_b, pb + x * 4, 4);
      return pixel_a != pixel_b;
    };
    int first = x0;
    while (first < left && !differs(first)) ++first;
    left = std::min(left, first);
    int last = x1 - 1;
    while (last >= right && !differs(last)) --last;
    right = std::max(right, last + 1);
  }
  return Rect{left, top, right - left, bottom - top + 1};
}

// Motion: each candidate block is compared until its first differing row and, if one does, copied whole.
template <typename GrabRow>
BlockChanges copy_changed_blocks(BgraImage& frame, GrabRow grab_row, const std::vector<std::uint8_t>& candidate,
                                 int cols, int rows) {
  std::vector<std::uint8_t> changed(candidate.size(), 0);
  for (int br = 0; br < rows; ++br) {
    for (int bc = 0; bc < cols; ++bc) {
      const auto i = static_cast<std::size_t>(br * cols + bc);
      if (!candidate[i]) continue;
      const int x0 = bc * kDiffBlockSize, y0 = br * kDiffBlockSize;
      const int y1 = std::min(y0 + kDiffBlockSize, frame.height);
      const auto bytes = static_cast<std::size_t>(std::min(x0 + kDiffBlockSize, frame.width) - x0) * 4;
      int y = y0;
      while (y < y1 && std::memcmp(frame.row(y) + static_cast<std::size_t>(x0) * 4, grab_row(y) + x0 * 4, bytes) == 0) ++y;
      if (y == y1) continue;
      changed[i] = 1;
      for (; y < y1; ++y) std::memcpy(frame.row(y) + static_cast<std::size_t>(x0) * 4, grab_row(y) + x0 * 4, bytes);
    }
  }
  return BlockChanges{merge_blocks(changed, cols, rows, kDiffBlockSize, frame.width, frame.height), {}};
}

Rect bounding_union(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  return Rect{x0, y0, std::max(a.x + a.width, b.x + b.width) - x0, std::max(a.y + a.height, b.y + b.height) - y0};
}

}  // namespace

Rect changed_bounds(const BgraImage& before, const BgraImage& after, const Rect& area) {
  const int x0 = std::max(area.x, 0), y0 = std::max(area.y, 0);
  const int x1 = std::min({area.x + area.width, before.width, after.width});
  const int y1 = std::min({area.y + area.height, before.height, after.height});
  if (x1 <= x0 || y1 <= y0) return {};
  return difference_bounds([&](int y) { return before.row(y); }, [&](int y) { return after.row(y); }, x0, y0, x1, y1);
}

std::vector<Rect> merge_blocks(const std::vector<std::uint8_t>& flags, int cols, int rows, int block,
                               int width, int height) {
  std::vector<Rect> out;
  std::vector<std::size_t> open;  // indices in `out` of rects that ended on the previous block row
  for (int r = 0; r < rows; ++r) {
    std::vector<std::size_t> now_open;
    const int y = r * block, h = std::min(block, height - y);
    for (int c = 0; c < cols;) {
      if (!flags[static_cast<std::size_t>(r * cols + c)]) { ++c; continue; }
      int end = c;
      while (end < cols && flags[static_cast<std::size_t>(r * cols + end)]) ++end;
      const Rect run{c * block, y, std::min(end * block, width) - c * block, h};
      auto same = std::find_if(open.begin(), open.end(), [&](std::size_t i) {
        return out[i].x == run.x && out[i].width == run.width;
      });
      if (same != open.end()) {
        out[*same].height += run.height;
        now_open.push_back(*same);
      } else {
        out.push_back(run);
        now_open.push_back(out.size() - 1);
      }
      c = end;
    }
    open = std::move(now_open);
  }
  return out;
}

BlockChanges update_changed_blocks(BgraImage& frame, const std::uint8_t* grab, int grab_stride,
                                   const std::vector<Rect>& candidates) {
  const int cols = (frame.width + kDiffBlockSize - 1) / kDiffBlockSize;
  const int rows = (frame.height + kDiffBlockSize - 1) / kDiffBlockSize;
  // A block shared by several rects is compared once.
  std::vector<std::uint8_t> candidate(static_cast<std::size_t>(cols) * static_cast<std::size_t>(rows), 0);
  for (const Rect& r : candidates) {
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.width, frame.width), y1 = std::min(r.y + r.height, frame.height);
    if (x1 <= x0 || y1 <= y0) continue;
    for (int br = y0 / kDiffBlockSize; br <= (y1 - 1) / kDiffBlockSize; ++br)
      for (int bc = x0 / kDiffBlockSize; bc <= (x1 - 1) / kDiffBlockSize; ++bc)
        candidate[static_cast<std::size_t>(br * cols + bc)] = 1;
  }
  const auto frame_row = [&](int y) -> const std::uint8_t* { return frame.row(y); };
  const auto grab_row = [&](int y) { return grab + static_cast<std::ptrdiff_t>(y) * grab_stride; };
  const long candidate_area = static_cast<long>(std::count(candidate.begin(), candidate.end(), 1)) *
                              kDiffBlockSize * kDiffBlockSize;
  if (candidate_area > kBoundsSearchArea) return copy_changed_blocks(frame, grab_row, candidate, cols, rows);
  std::vector<std::uint8_t> changed(candidate.size(), 0);
  std::vector<Rect> bounds(candidate.size());
  for (int br = 0; br < rows; ++br) {
    for (int bc = 0; bc < cols; ++bc) {
      const auto i = static_cast<std::size_t>(br * cols + bc);
      if (!candidate[i]) continue;
      const int x0 = bc * kDiffBlockSize, y0 = br * kDiffBlockSize;
      const int x1 = std::min(x0 + kDiffBlockSize, frame.width);
      bounds[i] = difference_bounds(frame_row, grab_row, x0, y0, x1, std::min(y0 + kDiffBlockSize, frame.height));
      if (bounds[i].empty()) continue;
      changed[i] = 1;
      for (int y = bounds[i].y; y < bounds[i].y + bounds[i].height; ++y)  // rows in between may be equal
        std::memcpy(frame.row(y) + static_cast<std::size_t>(x0) * 4, grab_row(y) + x0 * 4,
                    static_cast<std::size_t>(x1 - x0) * 4);
    }
  }
  BlockChanges out;
  out.dirty = merge_blocks(changed, cols, rows, kDiffBlockSize, frame.width, frame.height);
  out.changed.reserve(out.dirty.size());
  for (const Rect& r : out.dirty) {
    Rect inside;
    for (int y = r.y; y < r.y + r.height; y += kDiffBlockSize)
      for (int x = r.x; x < r.x + r.width; x += kDiffBlockSize)
        inside = bounding_union(inside, bounds[static_cast<std::size_t>((y / kDiffBlockSize) * cols + x / kDiffBlockSize)]);
    out.changed.push_back(inside);
  }
  return out;
}

void copy_full(BgraImage& frame, const std::uint8_t* grab, int grab_stride) {
  const auto bytes = static_cast<std::size_t>(frame.width) * 4;
  for (int y = 0; y < frame.height; ++y) {
    std::memcpy(frame.row(y), grab + static_cast<std::ptrdiff_t>(y) * grab_stride, bytes);
  }
}

}  // namespace elfdesk::host
