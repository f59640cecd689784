// The capturer's settle (host/capture/damage_settle.hpp): the rule on its own, and on a real Xvfb that a
// glyph and the cursor drawn half a millisecond after it, on an idle screen, come as one frame.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "host/capture/damage_settle.hpp"
#include "tests/host/x11_capture_helpers.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using host::DamageSettle;

TEST_CASE("damage settle: small damage on an idle screen waits, motion and large damage never do") {
  DamageSettle settle;
  const DamageSettle::TimePoint t0{100s};
  const std::vector<Rect> glyph{Rect{100, 200, 6, 13}}, full_screen{Rect{0, 0, 1920, 1080}};
  const std::vector<Rect> a_line{Rect{0, 200, 1280, 13}}, nothing;
  CHECK(settle.before_grab(t0, glyph) == DamageSettle::kSettle);  // nothing grabbed yet: idle
  CHECK(settle.before_grab(t0, full_screen) == 0us);
  CHECK(settle.before_grab(t0, a_line) == 0us);
  CHECK(settle.before_grab(t0, nothing) == 0us);
  settle.grabbed(t0);
  // Motion: a video at 30 pictures/s, a drag, a scroll: the next damage comes within kIdleGap.
  CHECK(settle.before_grab(t0 + 1ms, glyph) == 0us);
  CHECK(settle.before_grab(t0 + 33ms, glyph) == 0us);
  CHECK(settle.before_grab(t0 + DamageSettle::kIdleGap - 1us, glyph) == 0us);
  // Typing at 10 characters/s: each keystroke finds the screen idle again.
  CHECK(settle.before_grab(t0 + DamageSettle::kIdleGap, glyph) == DamageSettle::kSettle);
  CHECK(settle.before_grab(t0 + 100ms, glyph) == DamageSettle::kSettle);
  CHECK(settle.before_grab(t0 + 100ms, full_screen) == 0us);  // a window opening: at once
  settle.grabbed(t0 + 100ms);
  CHECK(settle.before_grab(t0 + 101ms, glyph) == 0us);  // the cursor that missed the settle: at once
  CHECK(DamageSettle::kSettle <= 2ms);                  // what a keystroke may pay at most
}

namespace {
bool touches(const std::vector<Rect>& dirty, Rect r) {
  return std::any_of(dirty.begin(), dirty.end(), [&](const Rect& d) {
    return d.x < r.x + r.width && r.x < d.x + d.width && d.y < r.y + r.height && r.y < d.y + d.height;
  });
}
}  // namespace

TEST_CASE("X11 capture on an idle screen: a glyph and the cursor drawn 0.5 ms after it go as one frame") {
  test::XvfbServer x(320, 240);
  auto c = test::capturer(x.display());
  test::Painter typist(x.display());
  test::must_capture(*c, 0ms);
  const Rect glyph{16, 32, 8, 14}, cursor{96, 32, 8, 14};  // in different 16x16 blocks
  // A few keystrokes, each while the capturer already waits for damage (as the host's loop does). On this
  // shared machine the typist's thread may be descheduled between its two draws for longer than the
  // settle; most keystrokes must still come whole.
  constexpr int kKeystrokes = 5;
  int whole = 0;
  for (int i = 0; i < kKeystrokes; ++i) {
    std::thread typing([&, i] {
      std::this_thread::sleep_for(2 * DamageSettle::kIdleGap);  // idle since the last frame
      typist.fill(glyph, 0x102030UL * static_cast<unsigned long>(i + 1));
      std::this_thread::sleep_for(500us);
      typist.fill(cursor, 0x203010UL * static_cast<unsigned long>(i + 1));
    });
    const host::CapturedFrame frame = test::must_capture(*c);
    typing.join();
    CHECK(touches(frame.dirty, glyph));
    if (touches(frame.dirty, cursor)) {
      ++whole;
    } else {
      const auto rest = test::must_capture(*c);  // the cursor came on its own
      CHECK(touches(rest.dirty, cursor));
    }
  }
  MESSAGE("keystrokes as one frame: " << whole << " of " << kKeystrokes);
  CHECK(whole >= kKeystrokes - 1);
}
