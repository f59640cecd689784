// Test helpers for the UI tests: read a window's pixels back from the X server (XGetImage), run
// xdotool, and wait for a condition. Test thread; opens its own X connection per call.
#pragma once
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#undef CursorShape  // X.h's constant would break protocol::CursorShape in the tests

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace elfdesk::test {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

struct WindowPixels {
  int width = 0, height = 0;
  std::vector<std::uint32_t> pixels;  // 0xRRGGBB
  // Outside the grab (the window changed size since): a colour no test expects.
  Rgb at(int x, int y) const {
    if (x < 0 || y < 0 || x >= width || y >= height) return {-1, -1, -1};
    const std::uint32_t p = pixels[static_cast<std::size_t>(y) * width + x];
    return {static_cast<int>((p >> 16) & 0xFF), static_cast<int>((p >> 8) & 0xFF), static_cast<int>(p & 0xFF)};
  }
};

// The window may be unmapped or resized between the two requests (the UI thread redraws it meanwhile):
// XGetImage then fails with BadMatch, which Xlib's default handler turns into exit(1). Such a grab is
// simply not taken; the caller polls again.
inline int ignore_x_error(Display*, XErrorEvent*) { return 0; }

inline std::optional<WindowPixels> grab_window(const std::string& display, unsigned long window) {
  Display* dpy = XOpenDisplay(display.c_str());
  if (dpy == nullptr) return std::nullopt;
  const auto previous = XSetErrorHandler(ignore_x_error);
  struct Restore {
    XErrorHandler handler;
    ~Restore() { XSetErrorHandler(handler); }
  } restore{previous};
  std::optional<WindowPixels> out;
  XWindowAttributes attrs{};
  if (XGetWindowAttributes(dpy, window, &attrs) != 0 && attrs.map_state == IsViewable) {
    XImage* image = XGetImage(dpy, window, 0, 0, static_cast<unsigned>(attrs.width),
                              static_cast<unsigned>(attrs.height), ~0UL, ZPixmap);
    if (image != nullptr) {
      WindowPixels px{attrs.width, attrs.height, {}};
      px.pixels.reserve(static_cast<std::size_t>(attrs.width) * attrs.height);
      for (int y = 0; y < attrs.height; ++y)
        for (int x = 0; x < attrs.width; ++x)
          px.pixels.push_back(static_cast<std::uint32_t>(XGetPixel(image, x, y) & 0xFFFFFFul));
      XDestroyImage(image);
      out = std::move(px);
    }
  }
  XCloseDisplay(dpy);
  return out;
}

// Writes the pixels as a binary PPM (for looking at a failing test).
inline void save_ppm(const WindowPixels& px, const std::string& path) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fprintf(f, "P6\n%d %d\n255\n", px.width, px.height);
    for (std::uint32_t p : px.pixels) {
      const unsigned char rgb[3] = {static_cast<unsigned char>(p >> 16), static_cast<unsigned char>(p >> 8),
                                    static_cast<unsigned char>(p)};
      std::fwrite(rgb, 1, 3, f);
    }
    std::fclose(f);
  }
}

inline bool near(Rgb a, Rgb b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

// Runs a command with DISPLAY set and returns its standard output.
inline std::string command_output(const std::string& display, const std::string& command) {
  const std::string full = "DISPLAY=" + display + " " + command;
  std::string out;
  if (FILE* pipe = popen(full.c_str(), "r")) {
    char buf[256];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    pclose(pipe);
  }
  return out;
}

// Polls `done` every 20 ms until it holds or `limit` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace elfdesk::test
