// DamageSettle on a made-up timeline: while windows move a large change waits for its burst to go quiet,
// never longer than its bound; without moving windows, and for small changes, nothing waits; a grab
// starts the next burst afresh.
#include <doctest/doctest.h>

#include "host/capture/damage_settle.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using host::DamageSettle;

namespace {
const DamageSettle::TimePoint t0{std::chrono::seconds(100)};
const std::vector<Rect> kWindow{Rect{100, 100, 600, 400}};  // a resized window and what it uncovered
const std::vector<Rect> kGlyph{Rect{10, 10, 16, 16}};
const host::SettlePolicy kPolicy{128 * 128, 2000us, 8000us};
}  // namespace

TEST_CASE("DamageSettle: after a window change a large change is held until its damage is quiet") {
  DamageSettle settle(kPolicy);
  CHECK_FALSE(settle.hold_until(kWindow, t0));  // nothing seen since the last grab: nothing to wait on
  settle.window_configured(t0);
  settle.damage_seen(t0 + 100us);               // the server paints what the window uncovered
  CHECK(settle.hold_until(kWindow, t0 + 200us) == t0 + 2100us);
  CHECK_FALSE(settle.hold_until(kGlyph, t0 + 200us));  // typing pays nothing
  settle.damage_seen(t0 + 1500us);              // the toolkit repaints: the quiet starts again
  CHECK(settle.hold_until(kWindow, t0 + 1600us) == t0 + 3500us);
  CHECK_FALSE(settle.hold_until(kWindow, t0 + 3500us));
  settle.grabbed();
  CHECK_FALSE(settle.hold_until(kWindow, t0 + 3600us));
  settle.window_configured(t0 + 30ms);  // the next step of the drag: a burst of its own
  settle.damage_seen(t0 + 30ms);
  CHECK(settle.hold_until(kWindow, t0 + 30ms) == t0 + 32ms);
}

TEST_CASE("DamageSettle: without a window change nothing is held (a video frame, a scrolling terminal)") {
  DamageSettle settle(kPolicy);
  settle.damage_seen(t0);
  CHECK_FALSE(settle.hold_until(kWindow, t0));
  settle.damage_seen(t0 + 500us);
  CHECK_FALSE(settle.hold_until(std::vector<Rect>{Rect{0, 0, 1920, 1080}}, t0 + 600us));
  settle.window_configured(t0 + 700us);  // a window changed after all: from here its burst is awaited
  CHECK(settle.hold_until(kWindow, t0 + 800us) == t0 + 2700us);
}

TEST_CASE("DamageSettle: while windows move, a burst that comes before its window's change is held too") {
  DamageSettle settle(kPolicy);
  settle.window_configured(t0);
  settle.damage_seen(t0);
  settle.grabbed();
  settle.damage_seen(t0 + 31ms);  // the toolkit repaints inside before the next step's change arrives
  CHECK(settle.hold_until(kWindow, t0 + 31ms) == t0 + 33ms);
  settle.window_configured(t0 + 32500us);
  CHECK(settle.hold_until(kWindow, t0 + 32600us) == t0 + 34500us);
  settle.grabbed();
  settle.damage_seen(t0 + 150ms);  // the drag ended 100 ms ago or more: this is something else
  CHECK_FALSE(settle.hold_until(kWindow, t0 + 150ms));
}

TEST_CASE("DamageSettle: damage that never stops is grabbed at the bound from the burst's first event") {
  DamageSettle settle(kPolicy);
  settle.window_configured(t0);
  for (auto t = 0us; t < 20ms; t += 1000us) settle.damage_seen(t0 + t);
  CHECK_FALSE(settle.hold_until(kWindow, t0 + 8ms));
  settle.grabbed();
  settle.window_configured(t0 + 20ms);
  settle.damage_seen(t0 + 27500us);
  CHECK(settle.hold_until(kWindow, t0 + 27600us) == t0 + 28ms);  // 8 ms from the first, before the quiet
}

TEST_CASE("DamageSettle: the size counts all of a change's pieces") {
  DamageSettle settle(kPolicy);
  settle.window_configured(t0);
  std::vector<Rect> rows;
  for (int y = 0; y < 16; ++y) rows.push_back(Rect{0, y * 20, 1024, 16});  // a re-wrapped document's rows
  CHECK(settle.hold_until(rows, t0).has_value());
  CHECK_FALSE(settle.hold_until(std::vector<Rect>{Rect{0, 0, 127, 128}}, t0));
}
