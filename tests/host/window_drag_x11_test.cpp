// A window dragged on a real X server (Xvfb, no window manager), streamed by the real X11 capturer to the
// viewer stand-in: the capturer's move hints must describe the grabbed pictures, so the drag goes as
// copies (the vertical scroll detector cannot find a diagonal move) and the viewer ends bit-identical.
#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#undef CursorShape  // X.h's constant would break protocol::CursorShape

#include <chrono>
#include <thread>

#include "host/capture/screen_capturer.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/video_test_images.hpp"
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

}  // namespace

TEST_CASE("X11: a window dragged across the screen goes as copies and ends exact on the viewer") {
  test::XvfbServer x(800, 600);
  Display* d = XOpenDisplay(x.display().c_str());
  REQUIRE(d != nullptr);
  const Window root = XDefaultRootWindow(d);
  GC gc = XCreateGC(d, root, 0, nullptr);
  // A desktop that is not flat (so a wrong copy would show) and a window of coloured bars.
  for (int i = 0; i < 40; ++i) {
    XSetForeground(d, gc, 0x102030ul + static_cast<unsigned long>(i) * 0x030507ul);
    XFillRectangle(d, root, gc, 0, i * 15, 800, 15);
  }
  XSetWindowAttributes attributes{};
  attributes.background_pixel = 0xf0f0f0;
  const Window w = XCreateWindow(d, root, 60, 40, 320, 240, 0, CopyFromParent, InputOutput, CopyFromParent,
                                 CWBackPixel, &attributes);
  XMapWindow(d, w);
  XSync(d, False);
  std::this_thread::sleep_for(100ms);  // mapped and exposed
  for (int i = 0; i < 24; ++i) {
    XSetForeground(d, gc, 0x204080ul * static_cast<unsigned long>(i % 5) + 0x0a0a0aul * static_cast<unsigned long>(i));
    XFillRectangle(d, w, gc, 8 + (i % 6) * 50, 8 + (i / 6) * 56, 40, 48);
  }
  XSync(d, False);

  auto capturer = host::make_x11_capturer(host::X11CaptureOptions{x.display(), -1});
  REQUIRE_MESSAGE(capturer.has_value(), (capturer ? "" : capturer.error().detail));
  test::StreamedSession session(std::move(*capturer));
  const test::DecodingViewer& viewer = session.viewer;
  const auto settled = [&] { return test::differing_pixels(grab_root(d), viewer.shown()) == 0; };
  for (const auto give_up = std::chrono::steady_clock::now() + 20s;
       !settled() && std::chrono::steady_clock::now() < give_up;)
    std::this_thread::sleep_for(20ms);
  REQUIRE(settled());

  const int copies_before = viewer.scrolls();
  for (int step = 1; step <= 20; ++step) {
    XMoveWindow(d, w, 60 + 13 * step, 40 + 7 * step);
    XSync(d, False);
    std::this_thread::sleep_for(30ms);
  }
  for (const auto give_up = std::chrono::steady_clock::now() + 10s;
       !settled() && std::chrono::steady_clock::now() < give_up;)
    std::this_thread::sleep_for(20ms);
  session.video.stop();
  const int copies = viewer.scrolls() - copies_before;
  const long wrong = test::differing_pixels(grab_root(d), viewer.shown());
  INFO(copies << " copies for 20 moves, " << wrong << " pixels wrong");
  CHECK(copies >= 10);  // captures may merge moves: each still one copy
  CHECK(wrong == 0);
  XFreeGC(d, gc);
  XCloseDisplay(d);
}
