// The real X11 capturer and streamer on a real X server (Xvfb, no window manager), streaming to the viewer
// stand-in turn by turn on a manual clock; only the capturer waits for the X server.
// - A dragged window: the capturer's move hints must describe the grabbed pictures, so the drag goes as
//   copies (the vertical scroll detector cannot find a diagonal move) and the viewer ends bit-identical.
// - A window moved on while the capturer grabs: every move hint describes the two pictures it joins.
// - A marker beside a large change overtakes the frame-rate cap, and the large change still follows.
#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#undef CursorShape  // X.h's constant would break protocol::CursorShape

#include <atomic>
#include <chrono>
#include <thread>

#include "host/capture/screen_capturer.hpp"
#include "host/pipeline/scroll_detector.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/video_test_images.hpp"
#include "tests/support/x11_painter.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {

// The root window's pixels, as the viewer should show them.
BgraImage grab_root(Display* d) {
  const Window root = XDefaultRootWindow(d);
  XWindowAttributes a{};
  XGetWindowAttributes(d, root, &a);
  XImage* image = XGetImage(d, root, 0, 0, static_cast<unsigned>(a.width), static_cast<unsigned>(a.height), ~0UL,
                            ZPixmap);
  REQUIRE(image != nullptr);
  BgraImage out = BgraImage::make(a.width, a.height);
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      const unsigned long p = XGetPixel(image, x, y);
      std::uint8_t* px = out.row(y) + x * 4;
      px[0] = static_cast<std::uint8_t>(p & 0xff);
      px[1] = static_cast<std::uint8_t>((p >> 8) & 0xff);
      px[2] = static_cast<std::uint8_t>((p >> 16) & 0xff);
      px[3] = 0xff;
    }
  XDestroyImage(image);
  return out;
}

// The real X11 capturer on the streamer's manual clock: a capture that waited for damage in vain moved the
// clock on by its wait, as the time that passed (so refinements fall due).
class ClockedCapturer final : public host::ScreenCapturer {
 public:
  ClockedCapturer(ManualClock& clock, std::unique_ptr<host::ScreenCapturer> real)
      : clock_(clock), real_(std::move(real)) {}
  std::expected<std::optional<host::CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                   bool force_full) override {
    auto frame = real_->capture(wait, force_full);
    if (frame && !*frame) clock_.advance(wait);
    return frame;
  }
  std::expected<std::optional<host::CapturedFrame>, Error> capture_apart(std::chrono::milliseconds wait) override {
    auto frame = real_->capture_apart(wait);
    if (frame && !*frame) clock_.advance(wait);
    return frame;
  }
  std::expected<host::CursorState, Error> cursor() override { return real_->cursor(); }
  int width() const override { return real_->width(); }
  int height() const override { return real_->height(); }

 private:
  ManualClock& clock_;
  std::unique_ptr<host::ScreenCapturer> real_;
};

// A mapped 320x240 top-level window of coloured bars at (x, y), drawn: a wrong copy of it would show.
Window bar_window(test::RootPainter& paint, int x, int y) {
  Display* d = paint.d;
  XSetWindowAttributes attributes{};
  attributes.background_pixel = 0xf0f0f0;
  attributes.event_mask = ExposureMask;
  const Window w = XCreateWindow(d, paint.root, x, y, 320, 240, 0, CopyFromParent, InputOutput, CopyFromParent,
                                 CWBackPixel | CWEventMask, &attributes);
  XMapWindow(d, w);
  XEvent exposed;
  XWindowEvent(d, w, ExposureMask, &exposed);  // mapped and exposed
  for (int i = 0; i < 24; ++i) {
    XSetForeground(d, paint.gc,
                   0x204080ul * static_cast<unsigned long>(i % 5) + 0x0a0a0aul * static_cast<unsigned long>(i));
    XFillRectangle(d, w, paint.gc, 8 + (i % 6) * 50, 8 + (i / 6) * 56, 40, 48);
  }
  XSync(d, False);
  return w;
}

}  // namespace

TEST_CASE("X11: a window dragged across the screen goes as copies and ends exact on the viewer") {
  test::XvfbServer x(800, 600);
  test::RootPainter paint(x.display());
  Display* d = paint.d;
  // A desktop that is not flat (so a wrong copy would show) and a window of coloured bars.
  for (int i = 0; i < 40; ++i)
    paint.fill(Rect{0, i * 15, 800, 15}, 0x102030ul + static_cast<unsigned long>(i) * 0x030507ul);
  const Window w = bar_window(paint, 60, 40);

  auto capturer = host::make_x11_capturer(host::X11CaptureOptions{x.display(), -1});
  REQUIRE_MESSAGE(capturer.has_value(), (capturer ? "" : capturer.error().detail));
  ManualClock clock;
  test::StreamedSession session(clock, std::make_unique<ClockedCapturer>(clock, std::move(*capturer)));
  const test::DecodingViewer& viewer = session.viewer;
  const auto settled = [&] { return test::differing_pixels(grab_root(d), viewer.shown()) == 0; };
  for (int i = 0; i < 400 && !settled(); ++i) session.run_for(50ms);
  REQUIRE(settled());

  const int copies_before = viewer.scrolls();
  for (int step = 1; step <= 20; ++step) {
    XMoveWindow(d, w, 60 + 13 * step, 40 + 7 * step);
    XSync(d, False);
    const std::uint64_t sent = session.video.frames_sent();
    session.run_until([&] { return session.video.frames_sent() > sent; }, 1s);  // the move went out
  }
  for (int i = 0; i < 200 && !settled(); ++i) session.run_for(50ms);
  const int copies = viewer.scrolls() - copies_before;
  const long wrong = test::differing_pixels(grab_root(d), viewer.shown());
  INFO(copies << " copies for 20 moves, " << wrong << " pixels wrong");
  CHECK(copies >= 10);  // captures may merge moves: each still one copy
  CHECK(wrong == 0);
}

TEST_CASE("X11: a marker beside a large change goes ahead of the frame-rate cap; the large change follows") {
  test::XvfbServer x(640, 480);
  test::RootPainter paint(x.display());
  Display* d = paint.d;
  // Stripes over a large area: a change no turn sends in a few hundred bytes (VP8, then the whole cap).
  const auto large_change = [&](unsigned long base) {
    for (int i = 0; i < 60; ++i) paint.fill(Rect{0, i * 5, 400, 5}, base + static_cast<unsigned long>(i) * 0x040302ul);
  };
  large_change(0x102030);
  auto capturer = host::make_x11_capturer(host::X11CaptureOptions{x.display(), -1});
  REQUIRE_MESSAGE(capturer.has_value(), (capturer ? "" : capturer.error().detail));
  ManualClock clock;
  test::StreamedSession session(clock, std::make_unique<ClockedCapturer>(clock, std::move(*capturer)), {},
                                /*exact_pixels=*/true, /*patches=*/true);
  const test::DecodingViewer& viewer = session.viewer;
  const auto settled = [&] { return test::differing_pixels(grab_root(d), viewer.shown()) == 0; };
  for (int i = 0; i < 400 && !settled(); ++i) session.run_for(50ms);
  REQUIRE(settled());

  const auto next_update = [&] {
    const std::uint64_t sent = session.video.frames_sent();
    REQUIRE(session.run_until([&] { return session.video.frames_sent() > sent; }, 1s));
  };
  large_change(0x405060);  // the large change's turn: the cap holds the next for 16.7 ms after it began
  const int vp8_before = viewer.video_frames();
  next_update();
  REQUIRE(viewer.video_frames() == vp8_before + 1);
  const auto large_sent = clock.now();
  // Another large change and a marker far from it, both before the cap allows the next turn.
  large_change(0x706050);
  paint.fill(Rect{600, 440, 8, 8}, 0xffffff);
  next_update();
  INFO("the marker went " << std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - large_sent).count()
                          << " ms after the large change's turn");
  CHECK(clock.now() - large_sent < 16ms);          // ahead of the cap ...
  CHECK(viewer.video_frames() == vp8_before + 1);  // ... alone, as exact pixels of the marker
  CHECK(viewer.exact_areas().back() == 8 * 8);
  next_update();  // the large change, when the cap allows
  CHECK(clock.now() - large_sent >= 16ms);
  CHECK(viewer.video_frames() == vp8_before + 2);
  for (int i = 0; i < 200 && !settled(); ++i) session.run_for(50ms);
  CHECK(test::differing_pixels(grab_root(d), viewer.shown()) == 0);
}

// A window manager moves a dragged window at the pointer's pace, whenever it likes: often between the
// capturer's damage read and its grab, or between the grab and the XSync after it. Each frame's move hint
// must still name where the window is in that frame's picture and in the one before, or the move is lost
// to VP8 (a whole window coded lossy on a slow link, and a top-off after it).
TEST_CASE("X11: a window moved on during the grabs: every move hint matches the captured pictures") {
  test::XvfbServer x(800, 600);
  test::RootPainter paint(x.display());
  for (int i = 0; i < 40; ++i)
    paint.fill(Rect{0, i * 15, 800, 15}, 0x102030ul + static_cast<unsigned long>(i) * 0x030507ul);
  const Window w = bar_window(paint, 100, 100);
  auto capturer = host::make_x11_capturer(host::X11CaptureOptions{x.display(), -1});
  REQUIRE_MESSAGE(capturer.has_value(), (capturer ? "" : capturer.error().detail));
  REQUIRE((*capturer)->capture(100ms, true).value().has_value());  // the first, full frame

  Display* mover_display = XOpenDisplay(x.display().c_str());  // the "window manager": its own connection
  REQUIRE(mover_display != nullptr);
  std::atomic<bool> stop{false};
  std::thread mover([&] {
    for (int i = 1; !stop; ++i) {  // on screen at every step, so the server copies the window's pixels
      XMoveWindow(mover_display, w, 100 + (i * 7) % 300, 100 + (i * 3) % 200);
      XSync(mover_display, False);
      std::this_thread::sleep_for(300us);
    }
  });
  int hinted = 0, matched = 0;
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < until) {
    auto frame = (*capturer)->capture(20ms, false);
    REQUIRE(frame.has_value());
    if (!*frame || (*frame)->previous == nullptr || (*frame)->moves.empty()) continue;
    const host::CapturedFrame& f = **frame;
    ++hinted;
    const host::WindowMove& m = f.moves.front();
    const auto match = host::match_move(*f.previous, *f.image, m.from, m.to);
    if (match && match->area.height == m.to.height) ++matched;
  }
  stop = true;
  mover.join();
  XCloseDisplay(mover_display);
  INFO(matched << " of " << hinted << " hinted frames match their hint in full");
  CHECK(hinted >= 20);
  CHECK(matched == hinted);
}
