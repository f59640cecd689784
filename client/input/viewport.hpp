// Where the remote screen is drawn inside the viewer window, and the mapping of window coordinates back
// to remote pixels. Pure math, any thread; shared by the presenter (drawing) and the input mapper.
#pragma once
#include <algorithm>
#include <cmath>
#include <optional>

#include "common/image.hpp"

namespace elfdesk::client {

enum class ScaleMode { fit, one_to_one };

struct Viewport {
  int remote_width = 0, remote_height = 0;
  int window_width = 0, window_height = 0;
  ScaleMode mode = ScaleMode::fit;
  int scroll_x = 0, scroll_y = 0;  // one_to_one only: remote pixel at the window's top-left

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
