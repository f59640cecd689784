// Finds content that moved between two captures: a vertical scroll (a band of rows whose content moved up
// or down by the same distance) or a dragged window (a window-system hint, checked pixel for pixel). Sent
// as a copy of what the viewer already shows, such a change costs only what it uncovered (VP8 cannot find
// a 20-30 pixel move of dense text at realtime speeds and re-codes the whole area).
// Pure functions over caller-owned images; video thread.
#pragma once
#include <optional>

#include "common/image.hpp"

namespace elfdesk::host {

struct ScrollMatch {
  Rect area;  // where `current` equals `previous` at (x + dx, y + dy): the copy's destination
  int dy = 0; // > 0: content moved up (text scrolling forward), < 0: moved down
  int dx = 0; // > 0: content moved left; always 0 for a scroll
};

// What one detect_scroll read of the pictures (runs on every large change, video included, so it must
// stay far below a full pass over both): rows fingerprinted, the bytes that took, and rows compared in full.
struct ScrollCost {
  long rows_fingerprinted = 0;
  long bytes_fingerprinted = 0;
  long rows_compared = 0;
};

// Looks inside `bounds` (where the screen changed) of two same-size pictures. Returns a match only when
// it covers at least a quarter of the bounds' rows (and 64 rows), all verified byte for byte. `cost`, if
// given, is added to.
std::optional<ScrollMatch> detect_scroll(const BgraImage& previous, const BgraImage& current, const Rect& bounds,
                                         ScrollCost* cost = nullptr);

// Checks that a window which was at `from` in `previous` shows the same pixels at `to` in `current` (same
// size). Returns the longest run of rows that match in full (a window above it may hide the rest), when
// it has at least a quarter of the window's on-screen rows (and 32); nothing otherwise.
std::optional<ScrollMatch> match_move(const BgraImage& previous, const BgraImage& current, const Rect& from,
                                      const Rect& to);

}  // namespace elfdesk::host
