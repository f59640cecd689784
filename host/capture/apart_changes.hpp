// Which pieces of a change are small and stand apart from the rest: a marker, a typed glyph or a cursor
// beside a playing video or a dragged window. They may go ahead of the rest as exact pixels (the planner),
// and ahead of the frame-rate cap (the capturer's capture_apart). One rule for both, so what the capturer
// splits off is what the planner would have sent ahead. Pure functions.
#pragma once
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

// The smallest rectangle holding all of `rects` (empty for none).
Rect bounding_box(const std::vector<Rect>& rects);

// One flag per rectangle: small (up to 32x32 pixels) and at least 32 pixels from the bounding box of the
// large ones. Fragments at the edge of a large change (a dragged window's outline) stay with it: split off,
// they cost more bytes than time.
std::vector<bool> small_and_apart(const std::vector<Rect>& rects);

}  // namespace elfdesk::host
