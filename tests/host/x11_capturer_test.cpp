#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/cursorfont.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xrandr.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "host/capture/block_diff.hpp"
#include "host/capture/frame_history.hpp"
#include "host/capture/screen_capturer.hpp"
#include "tests/support/x11_painter.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using Painter = test::RootPainter;

std::unique_ptr<host::ScreenCapturer> capturer(const std::string& display, int monitor = -1) {
  auto c = host::make_x11_capturer(host::X11CaptureOptions{display, monitor});
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().detail));
  return std::move(*c);
}

// The pixel at (x, y) as 0xRRGGBB.
unsigned long colour_at(const BgraImage& image, int x, int y) {
  const std::uint8_t* p = image.row(y) + x * 4;
  return static_cast<unsigned long>(p[2]) << 16 | static_cast<unsigned long>(p[1]) << 8 | p[0];
}

host::CapturedFrame must_capture(host::ScreenCapturer& c, std::chrono::milliseconds wait = 2000ms) {
  auto f = c.capture(wait, false);
  REQUIRE(f.has_value());
  REQUIRE(f->has_value());
  return **f;
}

}  // namespace

TEST_CASE("block merge and confirmation report exactly the changed blocks") {
  std::vector<std::uint8_t> flags = {1, 1, 0, 1,  //
                                     1, 1, 0, 0,  //
                                     0, 0, 0, 1};
  const auto rects = host::merge_blocks(flags, 4, 3, 16, 60, 40);
  REQUIRE(rects.size() == 3);
  CHECK(rects[0] == Rect{0, 0, 32, 32});
  CHECK(rects[1] == Rect{48, 0, 12, 16});  // clipped to the 60-pixel width
  CHECK(rects[2] == Rect{48, 32, 12, 8});

  BgraImage frame = BgraImage::make(64, 64);
  BgraImage grab = frame;
  grab.row(20)[4 * 40] = 9;  // one pixel in block (2,1)
  const auto changed = host::update_changed_blocks(frame, grab.pixels.data(), grab.stride, {Rect{0, 0, 64, 64}});
  REQUIRE(changed.dirty.size() == 1);
  CHECK(changed.dirty[0] == Rect{32, 16, 16, 16});
  CHECK(changed.changed == std::vector<Rect>{Rect{40, 20, 1, 1}});  // found in the same compare
  CHECK(frame.pixels == grab.pixels);  // the changed block was copied in
  CHECK(host::update_changed_blocks(frame, grab.pixels.data(), grab.stride, {Rect{0, 0, 64, 64}}).dirty.empty());

  // Two neighbouring blocks merge into one rectangle; its bounds hold what differed in both.
  grab.row(3)[4 * 14] = 1;   // block (0,0)
  grab.row(30)[4 * 17] = 1;  // block (1,1)
  grab.row(2)[4 * 20] = 1;   // block (1,0)
  const auto two = host::update_changed_blocks(frame, grab.pixels.data(), grab.stride, {Rect{0, 0, 40, 40}});
  CHECK(two.dirty == std::vector<Rect>{Rect{0, 0, 32, 16}, Rect{16, 16, 16, 16}});
  CHECK(two.changed == std::vector<Rect>{Rect{14, 2, 7, 2}, Rect{17, 30, 1, 1}});
  CHECK(frame.pixels == grab.pixels);
}

TEST_CASE("update_changed_blocks leaves the bounds of motion unsearched: blocks only, copied whole") {
  BgraImage frame = BgraImage::make(512, 512);  // 1024 blocks: over kBoundsSearchArea as candidates
  BgraImage grab = frame;
  grab.row(20)[4 * 40] = 9;
  grab.row(300)[4 * 301] = 7;
  const auto motion = host::update_changed_blocks(frame, grab.pixels.data(), grab.stride, {Rect{0, 0, 512, 512}});
  CHECK(motion.dirty == std::vector<Rect>{Rect{32, 16, 16, 16}, Rect{288, 288, 16, 16}});
  CHECK(motion.changed.empty());
  CHECK(frame.pixels == grab.pixels);
  // The same change among few candidates: bounds found in the compare.
  grab.row(21)[4 * 41] = 3;
  const auto small = host::update_changed_blocks(frame, grab.pixels.data(), grab.stride, {Rect{32, 16, 16, 16}});
  CHECK(small.changed == std::vector<Rect>{Rect{41, 21, 1, 1}});
}

TEST_CASE("FrameHistory hands out the picture as of the last frame and what changed against it") {
  BgraImage screen = BgraImage::make(64, 32);
  host::FrameHistory history;
  host::CapturedFrame first{&screen, nullptr, {Rect{0, 0, 64, 32}}};
  history.hand_out(first);
  CHECK(first.previous == nullptr);  // nothing before the first picture
  CHECK(first.changed.empty());
  const BgraImage before = screen;
  history.catch_up(screen);
  screen.row(5)[4 * 9] = 200;
  host::CapturedFrame second{&screen, nullptr, {Rect{0, 0, 16, 16}, Rect{32, 16, 16, 16}}};
  history.hand_out(second);
  REQUIRE(second.previous != nullptr);
  CHECK(second.previous->pixels == before.pixels);
  CHECK(second.changed == std::vector<Rect>{Rect{9, 5, 1, 1}, Rect{}});
  const BgraImage after_second = screen;
  history.catch_up(screen);  // takes what the second frame changed
  screen.row(20)[4 * 40] = 1;
  host::CapturedFrame third{&screen, nullptr, {Rect{32, 16, 16, 16}}};
  history.hand_out(third);
  REQUIRE(third.previous != nullptr);
  CHECK(third.previous->pixels == after_second.pixels);
  CHECK(third.changed == std::vector<Rect>{Rect{40, 20, 1, 1}});
}

TEST_CASE("changed_bounds shrinks a block to the pixels that differ in it") {
  const BgraImage before = BgraImage::make(64, 48);
  BgraImage after = before;
  CHECK(host::changed_bounds(before, after, Rect{0, 0, 64, 48}).empty());
  after.row(20)[4 * 37 + 2] = 7;  // one channel of one pixel
  CHECK(host::changed_bounds(before, after, Rect{32, 16, 16, 16}) == Rect{37, 20, 1, 1});
  after.row(29)[4 * 34] = 1;  // a second pixel: the box holds both
  CHECK(host::changed_bounds(before, after, Rect{32, 16, 16, 16}) == Rect{34, 20, 4, 10});
  CHECK(host::changed_bounds(before, after, Rect{32, 16, 4, 16}) == Rect{34, 29, 1, 1});  // only inside `area`
  CHECK(host::changed_bounds(before, after, Rect{0, 0, 32, 48}).empty());
  CHECK(host::changed_bounds(before, after, Rect{32, 16, 100, 100}) == Rect{34, 20, 4, 10});  // clipped
  after.row(47)[4 * 63 + 3] = 1;  // the last byte of the image
  CHECK(host::changed_bounds(before, after, Rect{48, 32, 16, 16}) == Rect{63, 47, 1, 1});
}

TEST_CASE("WindowMoves reports windows that moved at the same size since the last frame, largest first") {
  host::WindowMoves w;
  w.place(1, Rect{0, 0, 100, 100});
  w.place(2, Rect{200, 0, 300, 200});
  CHECK(w.take_moves().empty());  // nothing to compare with yet
  w.place(1, Rect{10, 5, 100, 100});
  w.place(2, Rect{220, 0, 300, 200});
  w.place(3, Rect{0, 300, 50, 50});  // new: no move
  CHECK(w.take_moves() == std::vector<host::WindowMove>{{Rect{200, 0, 300, 200}, Rect{220, 0, 300, 200}},
                                                         {Rect{0, 0, 100, 100}, Rect{10, 5, 100, 100}}});
  CHECK(w.take_moves().empty());  // still since then
  w.place(1, Rect{30, 5, 100, 100});
  w.place(1, Rect{10, 5, 100, 100});  // and back before the next frame: no move
  w.place(2, Rect{240, 0, 310, 200});  // moved and resized: not a copy
  w.place(3, Rect{5, 300, 50, 50});
  w.forget(3);                         // gone before the frame
  CHECK(w.take_moves().empty());
  // place() tells whether a window is new or changed: a restack at the same place is no motion.
  CHECK(w.place(4, Rect{0, 0, 10, 10}));
  CHECK_FALSE(w.place(4, Rect{0, 0, 10, 10}));
  CHECK(w.place(4, Rect{0, 0, 10, 12}));
}

TEST_CASE("X11 capture: first frame is full, a still screen yields nothing and honours the wait") {
  test::XvfbServer x(320, 240);
  auto c = capturer(x.display());
  CHECK(c->width() == 320);
  CHECK(c->height() == 240);
  const auto first = must_capture(*c, 0ms);
  CHECK(first.dirty == std::vector<Rect>{Rect{0, 0, 320, 240}});
  CHECK_FALSE(first.size_changed);
  auto t0 = Clock::now();
  auto none = c->capture(0ms, false);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(Clock::now() - t0 < 50ms);
  t0 = Clock::now();
  none = c->capture(150ms, false);
  const auto waited = Clock::now() - t0;
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(waited >= 140ms);
  CHECK(waited < 600ms);
  auto forced = c->capture(0ms, true);
  REQUIRE(forced.has_value());
  REQUIRE(forced->has_value());
  CHECK((*forced)->dirty == std::vector<Rect>{Rect{0, 0, 320, 240}});
}

TEST_CASE("X11 capture: drawing is reported block-aligned with the exact pixels") {
  test::XvfbServer x(320, 240);
  auto c = capturer(x.display());
  Painter paint(x.display());
  must_capture(*c, 0ms);
  paint.fill(Rect{40, 50, 70, 30}, 0xff8000);
  const auto f = must_capture(*c);
  CHECK(f.dirty == std::vector<Rect>{Rect{32, 48, 80, 32}});
  CHECK(paint.same_pixels(*f.image, 0, 0));
  const std::uint8_t* p = f.image->row(60) + 50 * 4;
  CHECK(p[0] == 0x00);
  CHECK(p[1] == 0x80);
  CHECK(p[2] == 0xff);
  // Damage without a pixel change (same colour again) is filtered out by the block compare.
  paint.fill(Rect{40, 50, 70, 30}, 0xff8000);
  auto again = c->capture(200ms, false);
  REQUIRE(again.has_value());
  CHECK_FALSE(again->has_value());
  // Wakes up promptly when something is drawn while it waits.
  std::thread late([&] {
    std::this_thread::sleep_for(100ms);
    Painter other(x.display());
    other.fill(Rect{300, 200, 5, 5}, 0x00ff00);
  });
  const auto t0 = Clock::now();
  auto woke = c->capture(3000ms, false);
  late.join();
  REQUIRE(woke.has_value());
  REQUIRE(woke->has_value());
  CHECK(Clock::now() - t0 < 1500ms);
  CHECK((*woke)->dirty == std::vector<Rect>{Rect{288, 192, 32, 16}});
}

TEST_CASE("X11 capture: capture_apart splits off small changes apart from a large one, capture() takes the rest") {
  test::XvfbServer x(640, 480);
  auto c = capturer(x.display());
  Painter paint(x.display());
  must_capture(*c, 0ms);
  SUBCASE("a marker beside a large change goes alone; the large change follows, the marker not again") {
    paint.fill(Rect{0, 0, 320, 240}, 0x3366cc);
    paint.fill(Rect{600, 440, 8, 8}, 0xffffff);
    auto apart = c->capture_apart(2000ms);
    REQUIRE(apart.has_value());
    REQUIRE(apart->has_value());
    CHECK((*apart)->dirty == std::vector<Rect>{Rect{592, 432, 16, 16}});
    CHECK(colour_at(*(*apart)->image, 600, 440) == 0xffffff);
    CHECK(colour_at(*(*apart)->image, 10, 10) != 0x3366cc);  // not in the picture yet: not reported either
    CHECK((*apart)->moves.empty());
    const auto rest = must_capture(*c, 0ms);
    CHECK(rest.dirty == std::vector<Rect>{Rect{0, 0, 320, 240}});
    CHECK(paint.same_pixels(*rest.image, 0, 0));
  }
  SUBCASE("only a large change: nothing apart, all of it in the next capture") {
    paint.fill(Rect{0, 0, 320, 240}, 0x3366cc);
    const auto t0 = Clock::now();
    auto apart = c->capture_apart(100ms);
    REQUIRE(apart.has_value());
    CHECK_FALSE(apart->has_value());
    CHECK(Clock::now() - t0 >= 90ms);  // waited for a piece in vain
    CHECK(must_capture(*c, 0ms).dirty == std::vector<Rect>{Rect{0, 0, 320, 240}});
  }
  SUBCASE("a small change next to a large one stays with it") {
    paint.fill(Rect{0, 0, 320, 240}, 0x3366cc);
    paint.fill(Rect{330, 100, 8, 8}, 0xffffff);  // 10 px from the large change
    auto apart = c->capture_apart(50ms);
    REQUIRE(apart.has_value());
    CHECK_FALSE(apart->has_value());
    const auto all = must_capture(*c, 0ms);
    CHECK(paint.same_pixels(*all.image, 0, 0));
  }
  SUBCASE("many small pieces at once are a busy screen: they wait for the whole frame") {
    for (int i = 0; i < 12; ++i) paint.fill(Rect{20 + i * 48, 400, 8, 8}, 0xffffff);
    auto apart = c->capture_apart(50ms);
    REQUIRE(apart.has_value());
    CHECK_FALSE(apart->has_value());
    CHECK(must_capture(*c, 0ms).dirty.size() == 12);
  }
}

TEST_CASE("X11 capture: a window's resize and its repaint that follows are grabbed as one frame") {
  test::XvfbServer x(640, 480);
  // Wider than the host's 2 / 8 ms so that a loaded machine's scheduling cannot split a burst here.
  auto made = host::make_x11_capturer(
      host::X11CaptureOptions{x.display(), -1, host::SettlePolicy{128 * 128, 60ms, 400ms}});
  REQUIRE(made.has_value());
  auto& c = **made;
  Painter paint(x.display());
  XSetWindowAttributes attributes{};
  attributes.background_pixel = 0x3060c0;
  const Window w = XCreateWindow(paint.d, paint.root, 40, 40, 200, 150, 0, CopyFromParent, InputOutput,
                                 CopyFromParent, CWBackPixel, &attributes);
  XMapWindow(paint.d, w);
  XSync(paint.d, False);
  must_capture(c, 0ms);
  const auto repaint = [&](unsigned long rgb) {  // what a toolkit does after its window changed size
    XSetForeground(paint.d, paint.gc, rgb);
    XFillRectangle(paint.d, w, paint.gc, 0, 0, 400, 300);
    XSync(paint.d, False);
  };
  // The server resizes the window and paints the new area's background; the toolkit repaints 15 ms later.
  // Captured meanwhile.
  const auto capture_resize_and_repaint = [&] {
    std::thread toolkit([&] {
      XMoveResizeWindow(paint.d, w, 60, 50, 360, 260);
      XSync(paint.d, False);
      std::this_thread::sleep_for(15ms);
      repaint(0xcc6633);
    });
    const auto frame = must_capture(c);
    toolkit.join();
    return frame;
  };
  SUBCASE("the mouse that drags the window moves meanwhile: the frame still waits for the repaint") {
    std::thread toolkit([&] {
      XMoveResizeWindow(paint.d, w, 60, 50, 360, 260);
      XTestFakeMotionEvent(paint.d, -1, 300, 200, CurrentTime);  // a raw motion event, as from a mouse
      XSync(paint.d, False);
      std::this_thread::sleep_for(15ms);
      repaint(0xcc6633);
    });
    auto frame = c.capture(2000ms, false);
    toolkit.join();
    REQUIRE(frame.has_value());
    REQUIRE(frame->has_value());
    CHECK(colour_at(*(*frame)->image, 70, 60) == 0xcc6633);
    CHECK(colour_at(*(*frame)->image, 400, 290) == 0xcc6633);
  }
  SUBCASE("the content painted 15 ms after the resize comes in the same frame") {
    const auto frame = capture_resize_and_repaint();
    CHECK(colour_at(*frame.image, 70, 60) == 0xcc6633);
    CHECK(colour_at(*frame.image, 400, 290) == 0xcc6633);
    auto none = c.capture(0ms, false);
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());
  }
  SUBCASE("a marker sent alone long before does not cut the next resize's hold short") {
    paint.fill(Rect{600, 440, 8, 8}, 0xffffff);
    auto marker = c.capture_apart(2000ms);
    REQUIRE(marker.has_value());
    REQUIRE(marker->has_value());
    std::this_thread::sleep_for(450ms);  // past the bound, counted from the marker's damage
    const auto frame = capture_resize_and_repaint();
    CHECK(colour_at(*frame.image, 400, 290) == 0xcc6633);
  }
  SUBCASE("a window dragged and repainting without a pause is grabbed at the bound") {
    std::atomic<bool> stop{false};
    std::thread animation([&] {
      for (int i = 0; !stop; ++i) {
        XMoveWindow(paint.d, w, 60 + i % 2, 50);
        repaint(0x101010 * static_cast<unsigned long>(i % 8 + 1));
        std::this_thread::sleep_for(20ms);
      }
    });
    const auto t0 = Clock::now();
    must_capture(c);
    const auto took = Clock::now() - t0;
    stop = true;
    animation.join();
    CHECK(took >= 350ms);
    CHECK(took < 1500ms);
  }
  SUBCASE("a marker apart from the held change goes first, alone") {
    XMoveResizeWindow(paint.d, w, 60, 50, 360, 260);
    XSync(paint.d, False);
    paint.fill(Rect{600, 440, 8, 8}, 0xffffff);
    const auto marker = must_capture(c, 0ms);
    CHECK(marker.dirty == std::vector<Rect>{Rect{592, 432, 16, 16}});
    CHECK(colour_at(*marker.image, 400, 290) != 0x3060c0);  // the window's new area: not in the picture yet
    const auto t0 = Clock::now();
    const auto rest = must_capture(c, 0ms);
    CHECK(Clock::now() - t0 < 400ms);
    CHECK(colour_at(*rest.image, 400, 290) == 0x3060c0);
  }
  SUBCASE("without windows moving a large change is not held") {
    const auto t0 = Clock::now();
    repaint(0x33cc66);
    const auto frame = must_capture(c, 0ms);
    CHECK(Clock::now() - t0 < 50ms);
    CHECK(colour_at(*frame.image, 100, 100) == 0x33cc66);
  }
  XDestroyWindow(paint.d, w);
}

TEST_CASE("X11 capture: a moved top-level window comes with a move hint, a resized one without") {
  test::XvfbServer x(640, 480);
  auto c = capturer(x.display());
  Painter paint(x.display());
  must_capture(*c, 0ms);
  // Created after the capturer started: known from its CreateNotify. Its background is painted by the server.
  XSetWindowAttributes attributes{};
  attributes.background_pixel = 0x3060c0;
  const Window w = XCreateWindow(paint.d, paint.root, 100, 80, 200, 150, 2, CopyFromParent, InputOutput,
                                 CopyFromParent, CWBackPixel, &attributes);
  XMapWindow(paint.d, w);
  XSync(paint.d, False);
  CHECK(must_capture(*c).moves.empty());  // appeared: nothing moved
  XMoveWindow(paint.d, w, 140, 60);
  XSync(paint.d, False);
  const auto moved = must_capture(*c);
  // Borders included: the window covers 204x154 on screen.
  REQUIRE(moved.moves.size() == 1);
  CHECK(moved.moves[0] == host::WindowMove{Rect{100, 80, 204, 154}, Rect{140, 60, 204, 154}});
  XMoveWindow(paint.d, w, 150, 60);  // two moves between captures: one hint from the first place to the last
  XMoveWindow(paint.d, w, 160, 70);
  XSync(paint.d, False);
  const auto twice = must_capture(*c);
  REQUIRE(twice.moves.size() == 1);
  CHECK(twice.moves[0] == host::WindowMove{Rect{140, 60, 204, 154}, Rect{160, 70, 204, 154}});
  XResizeWindow(paint.d, w, 100, 100);  // a resize is no move
  XSync(paint.d, False);
  CHECK(must_capture(*c).moves.empty());
  XDestroyWindow(paint.d, w);
  XSync(paint.d, False);
  CHECK(must_capture(*c).moves.empty());
}

TEST_CASE("X11 capture: a RandR resize gives a full frame with size_changed") {
  test::XvfbServer x(640, 480);  // Xvfb cannot grow beyond its start size, so shrink
  auto c = capturer(x.display());
  must_capture(*c, 0ms);
  Painter paint(x.display());
  // Xvfb's single CRTC must be switched off before the screen may shrink below its mode.
  XRRScreenResources* res = XRRGetScreenResources(paint.d, paint.root);
  REQUIRE(res != nullptr);
  REQUIRE(res->ncrtc > 0);
  XRRSetCrtcConfig(paint.d, res, res->crtcs[0], CurrentTime, 0, 0, None, RR_Rotate_0, nullptr, 0);
  XRRFreeScreenResources(res);
  XRRSetScreenSize(paint.d, paint.root, 512, 384, 135, 101);
  XSync(paint.d, False);
  const auto f = must_capture(*c);
  CHECK(f.size_changed);
  CHECK(c->width() == 512);
  CHECK(f.image->width == 512);
  CHECK(f.image->height == 384);
  CHECK(f.dirty == std::vector<Rect>{Rect{0, 0, 512, 384}});
  paint.fill(Rect{500, 370, 12, 14}, 0x123456);
  const auto g = must_capture(*c);
  CHECK_FALSE(g.size_changed);
  CHECK(paint.same_pixels(*g.image, 0, 0));
}

TEST_CASE("X11 capture: cursor image, serial changes and position") {
  test::XvfbServer x(320, 240);
  auto c = capturer(x.display());
  Painter paint(x.display());
  auto first = c->cursor();
  REQUIRE(first.has_value());
  REQUIRE(first->shape.has_value());
  const auto& shape = *first->shape;
  CHECK(shape.width > 0);
  CHECK(shape.rgba.size() == static_cast<std::size_t>(shape.width * shape.height * 4));
  bool opaque = false;
  for (std::size_t i = 3; i < shape.rgba.size(); i += 4) opaque = opaque || shape.rgba[i] == 255;
  CHECK(opaque);

  // A device's motion (XTest here, the engineer's input; a mouse alike) comes as an XInput 2 raw motion
  // event: the next look sees the new position at once.
  XTestFakeMotionEvent(paint.d, -1, 100, 120, CurrentTime);
  XSync(paint.d, False);
  auto moved = c->cursor();
  REQUIRE(moved.has_value());
  CHECK_FALSE(moved->shape.has_value());
  CHECK(moved->x == 100);
  CHECK(moved->y == 120);
  CHECK(moved->visible);
  // A warp is no device motion and sends no raw event: the capturer asks anyway every quarter second.
  XWarpPointer(paint.d, None, paint.root, 0, 0, 0, 0, 40, 30);
  XSync(paint.d, False);
  const auto warped_at = std::chrono::steady_clock::now();
  std::optional<host::CursorState> warped;
  while (std::chrono::steady_clock::now() - warped_at < 2s) {
    auto s = c->cursor();
    REQUIRE(s.has_value());
    if (s->x == 40 && s->y == 30) {
      warped = *s;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(warped.has_value());

  XDefineCursor(paint.d, paint.root, XCreateFontCursor(paint.d, XC_watch));
  XSync(paint.d, False);
  std::optional<host::CursorImage> changed;
  for (int i = 0; i < 50 && !changed; ++i) {
    auto s = c->cursor();
    REQUIRE(s.has_value());
    changed = s->shape;
    if (!changed) std::this_thread::sleep_for(10ms);
  }
  REQUIRE(changed.has_value());
  CHECK(changed->serial != shape.serial);
}

// The capture loop waits for damage as long as nothing falls due (a quarter second); what needs the loop
// sooner ends the wait: a stop or a keyframe request (wake(), from another thread), and pointer motion,
// whose new position goes out between captures.
TEST_CASE("X11 capture: a wait for damage ends at once for wake() and soon after pointer motion, else not") {
  test::XvfbServer x(320, 240);
  auto c = capturer(x.display());
  Painter paint(x.display());
  must_capture(*c, 0ms);
  REQUIRE(c->cursor().has_value());  // asked: nothing is new about the pointer

  auto t0 = Clock::now();
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    c->wake();
  });
  auto woken = c->capture(3000ms, false);
  const auto woken_after = Clock::now() - t0;
  waker.join();
  REQUIRE(woken.has_value());
  CHECK_FALSE(woken->has_value());
  CHECK(woken_after >= 45ms);
  CHECK(woken_after < 1500ms);

  t0 = Clock::now();
  std::thread mover([&] {
    std::this_thread::sleep_for(50ms);
    XTestFakeMotionEvent(paint.d, -1, 200, 150, CurrentTime);
    XSync(paint.d, False);
  });
  auto moved = c->capture(3000ms, false);
  const auto moved_after = Clock::now() - t0;
  mover.join();
  REQUIRE(moved.has_value());
  CHECK_FALSE(moved->has_value());  // no damage (Xvfb's cursor is not in the picture): the pointer ended it
  CHECK(moved_after >= 45ms);
  CHECK(moved_after < 1500ms);
  auto at = c->cursor();
  REQUIRE(at.has_value());
  CHECK(at->x == 200);
  CHECK(at->y == 150);

  // Nothing new: the wait is waited out.
  t0 = Clock::now();
  auto none = c->capture(300ms, false);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(Clock::now() - t0 >= 290ms);
}

TEST_CASE("X11 capture: a RandR monitor restricts the captured area") {
  test::XvfbServer x(640, 480);
  Painter paint(x.display());
  XRRMonitorInfo* m = XRRAllocateMonitor(paint.d, 0);
  m->name = XInternAtom(paint.d, "ELFDESK-TEST", False);
  m->x = 96;
  m->y = 64;
  m->width = 320;
  m->height = 240;
  m->mwidth = 90;
  m->mheight = 70;
  XRRSetMonitor(paint.d, paint.root, m);
  XRRFreeMonitors(m);
  XSync(paint.d, False);
  int count = 0, index = -1;
  XRRMonitorInfo* all = XRRGetMonitors(paint.d, paint.root, True, &count);
  for (int i = 0; i < count; ++i) {
    if (all[i].x == 96 && all[i].width == 320) index = i;
  }
  XRRFreeMonitors(all);
  REQUIRE(index >= 0);
  auto c = capturer(x.display(), index);
  CHECK(c->width() == 320);
  CHECK(c->height() == 240);
  must_capture(*c, 0ms);
  paint.fill(Rect{100, 70, 20, 20}, 0xabcdef);  // inside: (4, 6) in monitor coordinates
  paint.fill(Rect{600, 400, 20, 20}, 0x00ff00);  // outside the monitor
  const auto f = must_capture(*c);
  CHECK(f.dirty == std::vector<Rect>{Rect{0, 0, 32, 32}});
  CHECK(paint.same_pixels(*f.image, 96, 64));
  CHECK(host::make_x11_capturer(host::X11CaptureOptions{x.display(), count + 3}).error().code ==
        ErrorCode::unavailable);
}

TEST_CASE("X11 capture: no display is a permanent error") {
  auto c = host::make_x11_capturer(host::X11CaptureOptions{":4095", -1});
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().code == ErrorCode::unavailable);
}

TEST_CASE("test pattern capturer: full first frame, then the moving square's old and new places") {
  auto c = host::make_test_pattern_capturer(256, 128);
  const auto first = must_capture(*c, 100ms);
  CHECK(first.dirty == std::vector<Rect>{Rect{0, 0, 256, 128}});
  const BgraImage before = *first.image;
  const auto next = must_capture(*c, 100ms);
  REQUIRE(next.dirty.size() == 2);
  CHECK(next.dirty[0] == Rect{0, 0, 64, 64});
  CHECK(next.dirty[1] == Rect{16, 0, 64, 64});
  CHECK(before.pixels != next.image->pixels);
  BgraImage outside_before = before, outside_after = *next.image;
  for (BgraImage* img : {&outside_before, &outside_after}) {
    for (int y = 0; y < 64; ++y) std::memset(img->row(y), 0, 80 * 4);
  }
  CHECK(outside_before.pixels == outside_after.pixels);
  auto none = c->capture(1ms, false);  // paced at 30 fps
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  auto cursor = c->cursor();
  REQUIRE(cursor.has_value());
  CHECK(cursor->shape.has_value());
}

TEST_CASE("monitor layout: the shown monitor is followed by name through a change, else all") {
  using host::Monitor;
  const std::vector<Monitor> before{{"LEFT", Rect{0, 0, 100, 50}, true}, {"RIGHT", Rect{100, 0, 100, 50}, false}};
  const std::vector<Monitor> reordered{{"NEW", Rect{0, 50, 10, 10}, false}, before[1], before[0]};
  CHECK(host::follow_selection(before, 1, reordered) == 1);
  CHECK(host::follow_selection(before, 0, reordered) == 2);
  CHECK(host::follow_selection(before, 1, {before[0]}) == -1);  // RIGHT unplugged: all
  CHECK(host::follow_selection(before, -1, reordered) == -1);   // all stays all
  const std::vector<Monitor> nameless{{"", Rect{0, 0, 100, 50}, false}};
  CHECK(host::follow_selection(nameless, 0, {{"X", Rect{1, 1, 5, 5}, false}, nameless[0]}) == 1);  // by place
  CHECK(host::monitor_area(before, 1, 150, 50) == Rect{100, 0, 50, 50});  // clipped to the screen
  CHECK(host::monitor_area(before, -1, 150, 50) == Rect{0, 0, 150, 50});
  CHECK_FALSE(host::monitor_area(before, 2, 150, 50));
  CHECK_FALSE(host::monitor_area({{"OFF", Rect{300, 0, 10, 10}, false}}, 0, 150, 50));
  CHECK(host::describe_choice({before, 1, Rect{100, 0, 100, 50}}) == "1 RIGHT 100x50");
  CHECK(host::describe_choice({before, -1, Rect{0, 0, 200, 50}}) == "all 200x50");
}

TEST_CASE("X11 capture: monitors listed from RandR, one chosen at run time, a removed one falls back to all") {
  test::XvfbServer x(640, 480);
  Painter paint(x.display());
  XRRMonitorInfo* m = XRRAllocateMonitor(paint.d, 0);
  m->name = XInternAtom(paint.d, "ELFDESK-RIGHT", False);
  m->x = 320;
  m->y = 0;
  m->width = 320;
  m->height = 480;
  m->mwidth = 90;
  m->mheight = 130;
  XRRSetMonitor(paint.d, paint.root, m);
  XRRFreeMonitors(m);
  XSync(paint.d, False);
  auto c = capturer(x.display());
  must_capture(*c, 0ms);
  const host::MonitorLayout all = c->layout();
  CHECK(all.selected == -1);
  CHECK(all.area == Rect{0, 0, 640, 480});
  int right = -1;
  for (std::size_t i = 0; i < all.monitors.size(); ++i)
    if (all.monitors[i].name == "ELFDESK-RIGHT") right = static_cast<int>(i);
  REQUIRE(right >= 0);
  CHECK(all.monitors[static_cast<std::size_t>(right)].area == Rect{320, 0, 320, 480});

  const auto generation = c->layout_generation();
  CHECK_FALSE(c->select_monitor(static_cast<int>(all.monitors.size())));  // not there: nothing changes
  CHECK(c->layout_generation() == generation);
  REQUIRE(c->select_monitor(right));
  CHECK(c->layout_generation() != generation);
  CHECK(c->layout().area == Rect{320, 0, 320, 480});
  CHECK(c->width() == 320);
  paint.fill(Rect{330, 10, 20, 20}, 0x123456);
  auto f = c->capture(2000ms, false);
  REQUIRE(f.has_value());
  REQUIRE(f->has_value());
  CHECK((*f)->size_changed);  // the encoder restarts from a keyframe
  CHECK(paint.same_pixels(*(*f)->image, 320, 0));

  XRRDeleteMonitor(paint.d, paint.root, XInternAtom(paint.d, "ELFDESK-RIGHT", False));
  XSync(paint.d, False);
  const auto deadline = Clock::now() + 5s;
  while (c->layout().selected != -1 && Clock::now() < deadline) (void)c->capture(50ms, false);
  CHECK(c->layout().selected == -1);
  CHECK(c->layout().area == Rect{0, 0, 640, 480});
  CHECK(c->width() == 640);
}
