// Where the remote screen is drawn inside the viewer window, and the mapping of window coordinates back
// to remote pixels. Pure math, any thread; shared by the presenter (drawing) and the input mapper.
#pragma once
#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "common/image.hpp"

namespace elfdesk::client {

enum class ScaleMode { fit, one_to_one };

struct Viewport {
  int remote_width = 0, remote_height = 0;
  int window_width = 0, window_height = 0;
  ScaleMode mode = ScaleMode::fit;
  int scroll_x = 0, scroll_y = 0;  // one_to_one only: remote pixel at the window's top-left

  // The largest scroll offsets: 0 when the picture fits the window in that direction.
  int max_scroll_x() const { return std::max(0, remote_width - window_width); }
  int max_scroll_y() const { return std::max(0, remote_height - window_height); }
  // Keeps the offsets inside the picture (after a resize, a new remote size or a scroll).
  void clamp_scroll() {
    scroll_x = std::clamp(scroll_x, 0, max_scroll_x());
    scroll_y = std::clamp(scroll_y, 0, max_scroll_y());
  }
  // Moves the view by (dx, dy) remote pixels, clamped; true when the offset changed.
  bool scroll_by(int dx, int dy) {
    const int x = scroll_x, y = scroll_y;
    scroll_x += dx;
    scroll_y += dy;
    clamp_scroll();
    return x != scroll_x || y != scroll_y;
  }
  // Edge panning in one_to_one: the scroll step (dx, dy) for a pointer at a window position, `step` pixels
  // towards each edge the pointer is within `margin` pixels of and that has picture left beyond it.
  std::pair<int, int> edge_pan(int window_x, int window_y, int margin, int step) const {
    if (mode != ScaleMode::one_to_one) return {0, 0};
    const auto axis = [&](int at, int size, int scroll, int max) {
      if (at < margin && scroll > 0) return -std::min(step, scroll);
      if (at >= size - margin && scroll < max) return std::min(step, max - scroll);
      return 0;
    };
    return {axis(window_x, window_width, scroll_x, max_scroll_x()),
            axis(window_y, window_height, scroll_y, max_scroll_y())};
  }

  // The destination rectangle of the remote screen in window pixels (letterboxed when fitting).
  Rect destination() const {
    if (remote_width <= 0 || remote_height <= 0) return {};
    if (mode == ScaleMode::one_to_one) return {-scroll_x, -scroll_y, remote_width, remote_height};
    const double scale = std::min(static_cast<double>(window_width) / remote_width,
                                  static_cast<double>(window_height) / remote_height);
    const int w = std::max(1, static_cast<int>(std::lround(remote_width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(remote_height * scale)));
    return {(window_width - w) / 2, (window_height - h) / 2, w, h};
  }

  // Remote pixel under a window position; std::nullopt in the letterbox bars.
  std::optional<std::pair<int, int>> to_remote(int window_x, int window_y) const {
    const Rect d = destination();
    if (d.empty() || window_x < d.x || window_y < d.y || window_x >= d.x + d.width || window_y >= d.y + d.height)
      return std::nullopt;
    const int rx = static_cast<int>((static_cast<long long>(window_x - d.x) * remote_width) / d.width);
    const int ry = static_cast<int>((static_cast<long long>(window_y - d.y) * remote_height) / d.height);
    return std::pair{std::clamp(rx, 0, remote_width - 1), std::clamp(ry, 0, remote_height - 1)};
  }

  // Like to_remote, but a position in the bars maps to the nearest edge pixel: a drag that leaves the
  // picture keeps going along its border instead of stopping. std::nullopt only without a picture.
  std::optional<std::pair<int, int>> to_remote_clamped(int window_x, int window_y) const {
    const Rect d = destination();
    if (d.empty()) return std::nullopt;
    return to_remote(std::clamp(window_x, d.x, d.x + d.width - 1), std::clamp(window_y, d.y, d.y + d.height - 1));
  }
};

}  // namespace elfdesk::client
