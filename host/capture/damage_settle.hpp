// When a window's move or resize has finished painting. The server moves or resizes the window and paints
// what it uncovered; the toolkit lays out and repaints the content a few milliseconds later, and the
// windows beneath repaint what it left. Grabbed in the middle of that burst, one step of a drag costs two
// VP8 frames, the first of a half-painted picture: measured on "document move+resize", 1.5 grabs for each
// step. So while a top-level window is being moved or resized (one changed place or size within `motion`),
// a large change is grabbed once its damage has been quiet for `quiet`, or `longest` after the burst
// began, whichever comes first. Within the motion, not only after each change: toolkits repaint some of
// their inside before the window's own change arrives (Tk: 0.5-2.5 ms before), which is the same step.
// Nothing else is held: without windows moving nothing predicts more to come (a scrolling terminal or a
// video paints in one go; held, they only waited: scroll g2g p50 2.7 -> 5.7 ms at the same frame count),
// and small changes (a glyph, a marker, a cursor blink) are never held. Pure: the capturer tells it what
// arrived and asks before a grab.
#pragma once
#include <chrono>
#include <optional>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

struct SettlePolicy {
  long min_area = 128 * 128;                // pixels of damage from which a change is held for its burst
  std::chrono::microseconds quiet{2000};    // no new damage this long: the burst is over
  std::chrono::microseconds longest{8000};  // from the burst's first event, never held longer
  std::chrono::milliseconds motion{100};    // a window changed this recently: a drag or resize is going on
};

class DamageSettle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit DamageSettle(SettlePolicy policy = {}) : policy_(policy) {}

  // A damage event arrived (read from the server) at `now`.
  void damage_seen(TimePoint now);
  // A top-level window was moved, resized or restacked (ConfigureNotify) at `now`: repaints follow.
  void window_configured(TimePoint now);
  // Before grabbing `damage`: nothing when it may be grabbed now, or the time to look again (sooner if
  // more damage arrives).
  std::optional<TimePoint> hold_until(const std::vector<Rect>& damage, TimePoint now) const;
  // The damage was grabbed: the next events start the next burst.
  void grabbed();

 private:
  SettlePolicy policy_;
  std::optional<TimePoint> first_;  // the burst's first event since the last grab
  TimePoint last_{};                // its latest
  std::optional<TimePoint> configured_;  // the latest window change
};

}  // namespace elfdesk::host
