#include "bench/probe/x_session.hpp"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>

#include <chrono>
#include <stdexcept>

namespace bench {

namespace {

Display* dpy(void* d) { return static_cast<Display*>(d); }

struct ImageDeleter {
  void operator()(XImage* image) const { XDestroyImage(image); }
};
using ImagePtr = std::unique_ptr<XImage, ImageDeleter>;

std::uint32_t rgb_of(unsigned long pixel) { return static_cast<std::uint32_t>(pixel & 0xffffffu); }

}  // namespace

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

XConnection::XConnection(const std::string& name) : display_(XOpenDisplay(name.c_str())) {
  if (display_ == nullptr) throw std::runtime_error("cannot open display " + name);
}

XConnection::~XConnection() { XCloseDisplay(dpy(display_)); }

int XConnection::fd() const { return ConnectionNumber(dpy(display_)); }
int XConnection::width() const { return DisplayWidth(dpy(display_), DefaultScreen(dpy(display_))); }
int XConnection::height() const { return DisplayHeight(dpy(display_), DefaultScreen(dpy(display_))); }

std::vector<std::uint32_t> XConnection::grab(const Box& area) const {
  Display* d = dpy(display_);
  ImagePtr image(XGetImage(d, DefaultRootWindow(d), area.x, area.y, static_cast<unsigned>(area.w),
                           static_cast<unsigned>(area.h), AllPlanes, ZPixmap));
  if (!image) throw std::runtime_error("XGetImage failed");
  std::vector<std::uint32_t> out(static_cast<std::size_t>(area.w) * static_cast<std::size_t>(area.h));
  for (int y = 0; y < area.h; ++y)
    for (int x = 0; x < area.w; ++x)
      out[static_cast<std::size_t>(y) * static_cast<std::size_t>(area.w) + static_cast<std::size_t>(x)] =
          rgb_of(XGetPixel(image.get(), x, y));
  return out;
}

Shade XConnection::shade_at(const Box& area) const {
  const auto pixels = grab(area);
  long sum = 0;
  for (const std::uint32_t p : pixels) sum += ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
  const long mean = sum / static_cast<long>(3 * pixels.size());
  // Lossy codecs shift pure black/white a little; the two shades stay far apart.
  if (mean >= 170) return Shade::white;
  if (mean <= 85) return Shade::black;
  return Shade::other;
}

Marker::Marker(XConnection& a, Box box) : a_(a), box_(box) {
  Display* d = dpy(a_.display());
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  attrs.background_pixel = BlackPixel(d, DefaultScreen(d));
  attrs.event_mask = ExposureMask | KeyPressMask;
  window_ = XCreateWindow(d, DefaultRootWindow(d), box.x, box.y, static_cast<unsigned>(box.w),
                          static_cast<unsigned>(box.h), 0, CopyFromParent, InputOutput, nullptr,
                          CWOverrideRedirect | CWBackPixel | CWEventMask, &attrs);
  XMapRaised(d, window_);
  XSync(d, False);
}

Marker::~Marker() {
  Display* d = dpy(a_.display());
  XDestroyWindow(d, window_);
  XSync(d, False);
}

void Marker::set(Shade shade) {
  Display* d = dpy(a_.display());
  shade_ = shade;
  const int screen = DefaultScreen(d);
  XSetWindowBackground(d, window_, shade == Shade::white ? WhitePixel(d, screen) : BlackPixel(d, screen));
  XRaiseWindow(d, window_);
  XClearWindow(d, window_);
  XSync(d, False);
}

void Marker::focus() {
  Display* d = dpy(a_.display());
  XSetInputFocus(d, window_, RevertToParent, CurrentTime);
  XSync(d, False);
}

std::optional<Shade> Marker::pump() {
  Display* d = dpy(a_.display());
  std::optional<Shade> wanted;
  while (XPending(d) > 0) {
    XEvent event;
    XNextEvent(d, &event);
    if (event.type != KeyPress) continue;
    char text[8] = {};
    KeySym sym = 0;
    if (XLookupString(&event.xkey, text, sizeof text, &sym, nullptr) < 1) continue;
    if (text[0] == 'w') wanted = Shade::white;
    if (text[0] == 'k') wanted = Shade::black;
  }
  if (wanted) set(*wanted);
  return wanted;
}

Watcher::Watcher(XConnection& b, Box marker_on_b) : b_(b), marker_(marker_on_b) {
  Display* d = dpy(b_.display());
  int error_base = 0;
  if (!XDamageQueryExtension(d, &event_base_, &error_base))
    throw std::runtime_error("display B has no DAMAGE extension");
  damage_ = XDamageCreate(d, DefaultRootWindow(d), XDamageReportRawRectangles);
  XSync(d, False);
}

Watcher::~Watcher() { XDamageDestroy(dpy(b_.display()), damage_); }

bool Watcher::pump() {
  Display* d = dpy(b_.display());
  bool touched = false;
  while (XPending(d) > 0) {
    XEvent event;
    XNextEvent(d, &event);
    if (event.type != event_base_ + XDamageNotify) continue;
    const auto& notify = reinterpret_cast<const XDamageNotifyEvent&>(event);
    const Box area{notify.area.x, notify.area.y, notify.area.width, notify.area.height};
    if (area.intersects(marker_)) touched = true;
    if (area.inside(marker_)) continue;
    const std::uint64_t now = now_us();
    if (now - last_event_us_ > kBurstGapUs) ++bursts_;
    last_event_us_ = now;
  }
  return touched;
}

}  // namespace bench
