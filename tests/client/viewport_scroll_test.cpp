// Viewport in 1:1 with scrolling: offsets clamped to the picture, window positions mapped through the
// scroll offset exactly (what a click lands on), edge panning steps, and fit mode ignoring the offset.
#include <doctest/doctest.h>

#include "client/input/viewport.hpp"

using elfdesk::client::ScaleMode;
using elfdesk::client::Viewport;

namespace {
Viewport one_to_one(int rw, int rh, int ww, int wh) {
  Viewport v{rw, rh, ww, wh, ScaleMode::one_to_one};
  return v;
}
}  // namespace

TEST_CASE("viewport: scrolling in 1:1 is clamped to the picture") {
  Viewport v = one_to_one(1280, 720, 640, 400);
  CHECK(v.max_scroll_x() == 640);
  CHECK(v.max_scroll_y() == 320);
  CHECK(v.scroll_by(200, 100));
  CHECK((v.scroll_x == 200 && v.scroll_y == 100));
  CHECK(v.scroll_by(10'000, 10'000));
  CHECK((v.scroll_x == 640 && v.scroll_y == 320));
  CHECK_FALSE(v.scroll_by(1, 1));  // already at the far corner
  CHECK(v.scroll_by(-10'000, -5));
  CHECK((v.scroll_x == 0 && v.scroll_y == 315));
  // A window larger than the picture has nothing to scroll.
  Viewport small = one_to_one(320, 200, 640, 400);
  CHECK_FALSE(small.scroll_by(50, 50));
  CHECK((small.scroll_x == 0 && small.scroll_y == 0));
  // The window grew: the offset shrinks so no black appears beyond the picture.
  v.scroll_by(10'000, 0);
  v.window_width = 1000;
  v.window_height = 700;
  v.clamp_scroll();
  CHECK((v.scroll_x == 280 && v.scroll_y == 20));
}

TEST_CASE("viewport: a window position maps to the remote pixel at the scroll offset, exactly") {
  Viewport v = one_to_one(1280, 720, 640, 400);
  v.scroll_by(200, 100);
  const auto d = v.destination();
  CHECK((d.x == -200 && d.y == -100 && d.width == 1280 && d.height == 720));
  CHECK(v.to_remote(0, 0) == std::pair{200, 100});
  CHECK(v.to_remote(50, 60) == std::pair{250, 160});
  CHECK(v.to_remote(639, 399) == std::pair{839, 499});
  // Every pixel of a row maps one to one (no scaling rounding anywhere).
  for (int x = 0; x < 640; ++x) REQUIRE(v.to_remote(x, 7) == std::pair{200 + x, 107});
  // Dragging beyond the window's edge continues along the picture, not at the window's edge.
  CHECK(v.to_remote_clamped(-30, 5) == std::pair{170, 105});
  // Fit mode ignores the offset: the whole picture, scaled by 0.5 below a 20-pixel bar.
  v.mode = ScaleMode::fit;
  CHECK(v.to_remote(0, 20) == std::pair{0, 0});
  CHECK(v.to_remote(100, 70) == std::pair{200, 100});
}

TEST_CASE("viewport: edge panning steps towards an edge only where picture is left beyond it") {
  Viewport v = one_to_one(1280, 720, 640, 400);
  CHECK(v.edge_pan(320, 200, 12, 24) == std::pair{0, 0});   // in the middle
  CHECK(v.edge_pan(0, 200, 12, 24) == std::pair{0, 0});     // left edge, already at the left
  CHECK(v.edge_pan(639, 200, 12, 24) == std::pair{24, 0});  // right edge
  CHECK(v.edge_pan(630, 395, 12, 24) == std::pair{24, 24}); // bottom right corner
  v.scroll_by(630, 10);
  CHECK(v.edge_pan(639, 200, 12, 24) == std::pair{10, 0});  // only what is left
  CHECK(v.edge_pan(5, 3, 12, 24) == std::pair{-24, -10});
  v.mode = ScaleMode::fit;
  CHECK(v.edge_pan(639, 200, 12, 24) == std::pair{0, 0});   // fit shows everything: no panning
}
