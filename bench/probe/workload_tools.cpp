// Workload helpers of the probe: still-picture PSNR between A and the viewer on B, a title-bar window drag
// through XTest, and a wallpaper so the "desktop" is not a flat colour.
#include <algorithm>
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench/probe/probe_modes.hpp"
#include "bench/probe/x_session.hpp"

namespace bench {
namespace {

int option_int(const Options& o, const std::string& key, int fallback) {
  const auto it = o.find(key);
  return it == o.end() ? fallback : static_cast<int>(std::stol(it->second, nullptr, 0));
}

std::string option(const Options& o, const std::string& key) {
  const auto it = o.find(key);
  if (it == o.end()) throw std::runtime_error("missing --" + key);
  return it->second;
}

double luma(std::uint32_t p) {
  return 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
}

double psnr(double squared_error, std::size_t count) {
  const double mse = squared_error / static_cast<double>(count);
  return mse <= 1e-10 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

int run_psnr(const Options& o) {
  XConnection a(option(o, "a"));
  XConnection b(option(o, "b"));
  const int w = a.width(), h = a.height();
  const auto host = a.grab(Box{0, 0, w, h});
  const auto seen = b.grab(Box{option_int(o, "bx", 0), option_int(o, "by", 0), w, h});
  // Left out: the box around the pointer, which the grab of A never shows and each viewer draws itself.
  const Box skip{option_int(o, "ex", 0), option_int(o, "ey", 0), option_int(o, "ew", 0), option_int(o, "eh", 0)};
  double luma_error = 0, rgb_error = 0;
  std::size_t compared = 0, differing = 0;
  int x0 = w, y0 = h, x1 = -1, y1 = -1;  // where the pictures differ, for telling a few stray pixels apart
  for (std::size_t i = 0; i < host.size(); ++i) {
    const int x = static_cast<int>(i % static_cast<std::size_t>(w)), y = static_cast<int>(i / static_cast<std::size_t>(w));
    if (x >= skip.x && x < skip.x + skip.w && y >= skip.y && y < skip.y + skip.h) continue;
    ++compared;
    if ((host[i] & 0xffffffu) != (seen[i] & 0xffffffu)) {
      ++differing;
      x0 = std::min(x0, x);
      y0 = std::min(y0, y);
      x1 = std::max(x1, x);
      y1 = std::max(y1, y);
    }
    const double d = luma(host[i]) - luma(seen[i]);
    luma_error += d * d;
    for (int shift : {0, 8, 16}) {
      const double c = static_cast<double>((host[i] >> shift) & 0xff) - static_cast<double>((seen[i] >> shift) & 0xff);
      rgb_error += c * c;
    }
  }
  std::printf("{\"psnr_luma_db\":%.2f,\"psnr_rgb_db\":%.2f,\"differing_pixels\":%zu,\"differing_box\":[%d,%d,%d,%d]}\n",
              psnr(luma_error, compared), psnr(rgb_error, compared * 3), differing, differing ? x0 : 0,
              differing ? y0 : 0, differing ? x1 - x0 + 1 : 0, differing ? y1 - y0 + 1 : 0);
  return 0;
}

int run_drag(const Options& o) {
  XConnection a(option(o, "a"));
  Display* d = static_cast<Display*>(a.display());
  const auto window = static_cast<Window>(std::stoul(option(o, "window"), nullptr, 0));
  int x = 0, y = 0;
  Window child = 0;
  XTranslateCoordinates(d, window, DefaultRootWindow(d), 0, 0, &x, &y, &child);
  // The title bar sits above the client window; its height is the top frame extent.
  long top = 20;
  Atom type = 0;
  int format = 0;
  unsigned long count = 0, after = 0;
  unsigned char* data = nullptr;
  if (XGetWindowProperty(d, window, XInternAtom(d, "_NET_FRAME_EXTENTS", False), 0, 4, False, XA_CARDINAL, &type,
                         &format, &count, &after, &data) == Success && data != nullptr) {
    if (count == 4) top = reinterpret_cast<long*>(data)[2];
    XFree(data);
  }
  const int gx = x + 80, gy = y - static_cast<int>(top) / 2;
  const int ax = option_int(o, "ax", 400), ay = option_int(o, "ay", 150);
  const int duration_ms = option_int(o, "duration-ms", 12000);
  // "button": a real title-bar drag; "move": the window is moved by requests (xdotool windowmove style).
  const bool by_button = o.count("method") == 0 || o.at("method") == "button";
  if (by_button) {
    XTestFakeMotionEvent(d, -1, gx, gy, CurrentTime);
    XTestFakeButtonEvent(d, 1, True, CurrentTime);
    XSync(d, False);
  }
  const std::uint64_t start = now_us();
  int steps = 0;
  for (std::uint64_t t = 0; t < static_cast<std::uint64_t>(duration_ms) * 1000; t = now_us() - start) {
    const double s = static_cast<double>(t) / 1e6;
    const double px = gx + ax * std::sin(2 * std::numbers::pi * s / 4.0);
    const double py = gy + ay * std::sin(2 * std::numbers::pi * s / 3.0);
    if (by_button) {
      XTestFakeMotionEvent(d, -1, static_cast<int>(px), static_cast<int>(py), CurrentTime);
    } else {
      XMoveWindow(d, window, static_cast<int>(px) - (gx - x), static_cast<int>(py) - (gy - y));
    }
    XSync(d, False);
    ++steps;
    std::this_thread::sleep_for(std::chrono::microseconds(16667));  // ~60 pointer updates per second
  }
  if (by_button) XTestFakeButtonEvent(d, 1, False, CurrentTime);
  XSync(d, False);
  std::printf("{\"steps\":%d,\"grab\":[%d,%d]}\n", steps, gx, gy);
  return 0;
}

int run_wallpaper(const Options& o) {
  XConnection a(option(o, "a"));
  Display* d = static_cast<Display*>(a.display());
  const int w = a.width(), h = a.height(), screen = DefaultScreen(d);
  const Window root = DefaultRootWindow(d);
  const Pixmap pixmap = XCreatePixmap(d, root, static_cast<unsigned>(w), static_cast<unsigned>(h),
                                      static_cast<unsigned>(DefaultDepth(d, screen)));
  XImage* image = XCreateImage(d, DefaultVisual(d, screen), static_cast<unsigned>(DefaultDepth(d, screen)), ZPixmap,
                               0, nullptr, static_cast<unsigned>(w), static_cast<unsigned>(h), 32, 0);
  image->data = static_cast<char*>(std::malloc(static_cast<std::size_t>(image->bytes_per_line) * static_cast<std::size_t>(h)));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      // A soft blue-violet diagonal gradient, like a typical desktop wallpaper.
      const auto r = static_cast<unsigned long>(40 + 60 * x / w);
      const auto g = static_cast<unsigned long>(60 + 80 * y / h);
      const auto b = static_cast<unsigned long>(120 + 100 * (x + y) / (w + h));
      XPutPixel(image, x, y, (r << 16) | (g << 8) | b);
    }
  }
  const GC gc = XCreateGC(d, pixmap, 0, nullptr);
  XPutImage(d, pixmap, gc, image, 0, 0, 0, 0, static_cast<unsigned>(w), static_cast<unsigned>(h));
  XDestroyImage(image);  // frees the pixel data too
  XFreeGC(d, gc);
  XSetWindowBackgroundPixmap(d, root, pixmap);
  XClearWindow(d, root);
  XSetCloseDownMode(d, RetainPermanent);  // the wallpaper pixmap outlives this process
  XSync(d, False);
  std::printf("{\"wallpaper\":\"%dx%d\"}\n", w, h);
  return 0;
}

}  // namespace bench
