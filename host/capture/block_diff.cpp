#include "host/capture/block_diff.hpp"

#include <algorithm>
#include <cstring>

namespace elfdesk::host {

namespace {

// Compares one block bytewise and, if different, copies it. Returns true if it changed.
bool sync_block(BgraImage& frame, const std::uint8_t* grab, int grab_stride, int x0, int y0, int x1, int y1) {
  const auto bytes = static_cast<std::size_t>(x1 - x0) * 4;
  bool changed = false;
  for (int y = y0; y < y1 && !changed; ++y) {
    changed = std::memcmp(frame.row(y) + static_cast<std::size_t>(x0) * 4,
                          grab + static_cast<std::ptrdiff_t>(y) * grab_stride + x0 * 4, bytes) != 0;
  }
  if (!changed) return false;
  for (int y = y0; y < y1; ++y) {
    std::memcpy(frame.row(y) + static_cast<std::size_t>(x0) * 4,
                grab + static_cast<std::ptrdiff_t>(y) * grab_stride + x0 * 4, bytes);
  }
  return true;
}

}  // namespace

Rect changed_bounds(const BgraImage& before, const BgraImage& after, const Rect& area) {
  const int x0 = std::max(area.x, 0), y0 = std::max(area.y, 0);
  const int x1 = std::min({area.x + area.width, before.width, after.width});
  const int y1 = std::min({area.y + area.height, before.height, after.height});
  int left = x1, right = x0, top = y1, bottom = y0;
  for (int y = y0; y < y1; ++y) {
    const std::uint8_t* a = before.row(y);
    const std::uint8_t* b = after.row(y);
    const auto differs = [&](int x) { return std::memcmp(a + x * 4, b + x * 4, 4) != 0; };
    int first = x0;
    while (first < x1 && !differs(first)) ++first;
    if (first == x1) continue;
    int last = x1 - 1;
    while (!differs(last)) --last;
    left = std::min(left, first);
    right = std::max(right, last + 1);
    top = std::min(top, y);
    bottom = y + 1;
  }
  if (right <= left) return {};
  return Rect{left, top, right - left, bottom - top};
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

std::vector<Rect> update_changed_blocks(BgraImage& frame, const std::uint8_t* grab, int grab_stride,
                                        const std::vector<Rect>& candidates) {
  const int cols = (frame.width + kDiffBlockSize - 1) / kDiffBlockSize;
  const int rows = (frame.height + kDiffBlockSize - 1) / kDiffBlockSize;
  // 0 = not a candidate, 1 = candidate, 2 = changed; a block shared by several rects is compared once.
  std::vector<std::uint8_t> state(static_cast<std::size_t>(cols) * static_cast<std::size_t>(rows), 0);
  for (const Rect& r : candidates) {
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.width, frame.width), y1 = std::min(r.y + r.height, frame.height);
    if (x1 <= x0 || y1 <= y0) continue;
    for (int br = y0 / kDiffBlockSize; br <= (y1 - 1) / kDiffBlockSize; ++br) {
      for (int bc = x0 / kDiffBlockSize; bc <= (x1 - 1) / kDiffBlockSize; ++bc) {
        state[static_cast<std::size_t>(br * cols + bc)] = 1;
      }
    }
  }
  std::vector<std::uint8_t> changed(state.size(), 0);
  for (int br = 0; br < rows; ++br) {
    for (int bc = 0; bc < cols; ++bc) {
      const auto i = static_cast<std::size_t>(br * cols + bc);
      if (!state[i]) continue;
      const int x0 = bc * kDiffBlockSize, y0 = br * kDiffBlockSize;
      changed[i] = sync_block(frame, grab, grab_stride, x0, y0, std::min(x0 + kDiffBlockSize, frame.width),
                              std::min(y0 + kDiffBlockSize, frame.height));
    }
  }
  return merge_blocks(changed, cols, rows, kDiffBlockSize, frame.width, frame.height);
}

void copy_full(BgraImage& frame, const std::uint8_t* grab, int grab_stride) {
  const auto bytes = static_cast<std::size_t>(frame.width) * 4;
  for (int y = 0; y < frame.height; ++y) {
    std::memcpy(frame.row(y), grab + static_cast<std::ptrdiff_t>(y) * grab_stride, bytes);
  }
}

}  // namespace elfdesk::host
