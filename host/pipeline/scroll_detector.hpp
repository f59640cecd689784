// Finds a vertical scroll between two captures: a band of rows whose content moved up or down by the same
// distance. Sent as a copy of what the viewer already shows, a scroll then costs only its new lines (VP8
// cannot find a 20-30 pixel move of dense text at realtime speeds and re-codes the whole screen).
// Pure function over caller-owned images; video thread.
#pragma once
#include <optional>

#include "common/image.hpp"

namespace elfdesk::host {

struct ScrollMatch {
  Rect area;  // rows of `current` (x range of `bounds`) that equal `previous` rows `dy` further down
  int dy = 0; // > 0: content moved up (text scrolling forward), < 0: moved down
};

// Looks inside `bounds` (where the screen changed) of two same-size pictures. Returns a match only when
// it covers at least a quarter of the bounds' rows (and 64 rows), all verified byte for byte.
std::optional<ScrollMatch> detect_scroll(const BgraImage& previous, const BgraImage& current, const Rect& bounds);

}  // namespace elfdesk::host
