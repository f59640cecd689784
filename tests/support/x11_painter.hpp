// The test's own X client, drawing on the root window like any application would. Test support for the
// X11 tests (uses doctest's REQUIRE).
#pragma once
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include "common/image.hpp"

namespace elfdesk::test {

struct RootPainter {
  Display* d;
  Window root;
  GC gc;
  explicit RootPainter(const std::string& display)
      : d(XOpenDisplay(display.c_str())),
        root(d ? XDefaultRootWindow(d) : 0),
        gc(d ? XCreateGC(d, root, 0, nullptr) : nullptr) {
    REQUIRE(d != nullptr);
  }
  ~RootPainter() {
    XFreeGC(d, gc);
    XCloseDisplay(d);
  }
  RootPainter(const RootPainter&) = delete;
  RootPainter& operator=(const RootPainter&) = delete;
  // Fills `r` and waits until the server has drawn it (its damage is out before fill returns).
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

}  // namespace elfdesk::test
