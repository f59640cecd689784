// Remembers where the screen's top-level windows are, from the window system's notifications, and tells
// which of them moved (same size, new place) between two captured frames. Those moves are hints: a window
// drag is a copy of pixels the viewer already has, which no damage rectangle and no video encoder can tell
// cheaply (VP8 re-codes a dragged window every frame). The streamer checks the pixels before it relies on
// a hint, so a stale or wrong one only costs a comparison.
// Pure bookkeeping, no X calls; owned by the capturer on the video thread.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

struct WindowMove {
  Rect from;  // where the window was in the previous frame
  Rect to;    // where it is in this one (same size)
  friend bool operator==(const WindowMove&, const WindowMove&) = default;
};

class WindowMoves {
 public:
  using WindowId = std::uint64_t;
  // A window appeared or its geometry changed (root coordinates, borders included).
  // True when the window is new or its rectangle changed (not for a restack at the same place).
  bool place(WindowId id, const Rect& where);
  void forget(WindowId id);  // destroyed, or no longer a top-level window
  // Windows whose place changed, at the same size, since the last call; largest first. The first call
  // reports nothing (no earlier frame to move from).
  std::vector<WindowMove> take_moves();

 private:
  std::unordered_map<WindowId, Rect> now_;
  std::unordered_map<WindowId, Rect> at_last_frame_;
};

}  // namespace elfdesk::host
