// The X11 capturer tests' own X client (drawing on the root window like any application would) and a
// capturer on a test display.
#pragma once
#include <doctest/doctest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <chrono>
#include <memory>
#include <string>

#include "host/capture/screen_capturer.hpp"

namespace elfdesk::test {

// The test's own X client, drawing on the root window like any application would.
struct Painter {
  Display* d;
  Window root;
  GC gc;
  explicit Painter(const std::string& display)
      : d(XOpenDisplay(display.c_str())), root(d ? XDefaultRootWindow(d) : 0), gc(d ? XCreateGC(d, root, 0, nullptr) : nullptr) {
    REQUIRE(d != nullptr);
  }
  ~Painter() {
    XFreeGC(d, gc);
    XCloseDisplay(d);
  }
  void fill(Rect r, unsigned long rgb) {
    XSetForeground(d, gc, rgb);
    XFillRectangle(d, root, gc, r.x, r.y, static_cast<unsigned>(r.width), static_cast<unsigned>(r.height));
    XSync(d, False);
  }
  // Reference pixels through plain XGetImage.
  bool same_pixels(const BgraImage& img, int x0, int y0) {
    XImage* ref = XGetImage(d, root, x0, y0, static_cast<unsigned>(img.width), static_cast<unsigned>(img.height),
                            ~0UL, ZPixmap);
    REQUIRE(ref != nullptr);
    bool same = true;
    for (int y = 0; y < img.height && same; ++y) {
      for (int x = 0; x < img.width && same; ++x) {
        const std::uint8_t* p = img.row(y) + x * 4;
        const unsigned long px = XGetPixel(ref, x, y);
        same = p[0] == (px & 0xff) && p[1] == ((px >> 8) & 0xff) && p[2] == ((px >> 16) & 0xff);
      }
    }
    XDestroyImage(ref);
    return same;
  }
};

inline std::unique_ptr<host::ScreenCapturer> capturer(const std::string& display, int monitor = -1) {
  auto c = host::make_x11_capturer(host::X11CaptureOptions{display, monitor});
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().detail));
  return std::move(*c);
}

inline host::CapturedFrame must_capture(host::ScreenCapturer& c, std::chrono::milliseconds wait = std::chrono::milliseconds{2000}) {
  auto f = c.capture(wait, false);
  REQUIRE(f.has_value());
  REQUIRE(f->has_value());
  return **f;
}

}  // namespace elfdesk::test
