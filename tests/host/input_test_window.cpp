#include "tests/host/input_test_window.hpp"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>

#include <clocale>
#include <stdexcept>

namespace elfdesk::test {

struct InputTestWindow::Impl {
  Display* display = nullptr;
  Window window = 0;
  XIM im = nullptr;
  XIC ic = nullptr;
};

InputTestWindow::InputTestWindow(const std::string& display) : impl_(std::make_unique<Impl>()) {
  // Xutf8LookupString needs a UTF-8 locale and an input method; "@im=none" is Xlib's built-in one.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  XSetLocaleModifiers("@im=none");
  impl_->display = XOpenDisplay(display.c_str());
  if (impl_->display == nullptr) throw std::runtime_error("test window: cannot open " + display);
  Display* dpy = impl_->display;
  const int screen = DefaultScreen(dpy);
  impl_->window = XCreateSimpleWindow(dpy, RootWindow(dpy, screen), 0, 0,
                                      static_cast<unsigned>(DisplayWidth(dpy, screen)),
                                      static_cast<unsigned>(DisplayHeight(dpy, screen)), 0, 0, 0);
  XSelectInput(dpy, impl_->window, KeyPressMask | KeyReleaseMask | ButtonPressMask | ButtonReleaseMask |
                                       PointerMotionMask | StructureNotifyMask);
  impl_->im = XOpenIM(dpy, nullptr, nullptr, nullptr);
  if (impl_->im == nullptr) throw std::runtime_error("test window: XOpenIM failed");
  impl_->ic = XCreateIC(impl_->im, XNInputStyle, XIMPreeditNothing | XIMStatusNothing, XNClientWindow,
                        impl_->window, nullptr);
  if (impl_->ic == nullptr) throw std::runtime_error("test window: XCreateIC failed");
  XMapRaised(dpy, impl_->window);
  XEvent event;
  do XWindowEvent(dpy, impl_->window, StructureNotifyMask, &event);
  while (event.type != MapNotify);
  XSetInputFocus(dpy, impl_->window, RevertToPointerRoot, CurrentTime);
  XSync(dpy, False);
}

InputTestWindow::~InputTestWindow() {
  if (impl_->ic != nullptr) XDestroyIC(impl_->ic);
  if (impl_->im != nullptr) XCloseIM(impl_->im);
  XCloseDisplay(impl_->display);
}

void InputTestWindow::handle_one() {
  XEvent event;
  XNextEvent(impl_->display, &event);
  switch (event.type) {
    case KeyPress: {
      char buffer[64];
      KeySym keysym = 0;
      Status status = 0;
      const int n = Xutf8LookupString(impl_->ic, &event.xkey, buffer, sizeof buffer, &keysym, &status);
      if (n > 0 && (status == XLookupChars || status == XLookupBoth)) text_.append(buffer, static_cast<std::size_t>(n));
      last_key_state_ = event.xkey.state;
      break;
    }
    case ButtonPress:
    case ButtonRelease:
      buttons_.push_back({event.xbutton.button, event.type == ButtonPress, event.xbutton.x_root,
                          event.xbutton.y_root, event.xbutton.state});
      break;
    case MotionNotify:
      motion_x_ = event.xmotion.x_root;
      motion_y_ = event.xmotion.y_root;
      break;
    case MappingNotify:
      XRefreshKeyboardMapping(&event.xmapping);
      break;
    default:
      break;
  }
}

bool InputTestWindow::pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (XPending(impl_->display) > 0) {
      handle_one();
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return done();
    pollfd pfd{ConnectionNumber(impl_->display), POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(left.count()));
  }
  return true;
}

void InputTestWindow::pump_for(std::chrono::milliseconds quiet) {
  XSync(impl_->display, False);
  pump_until([] { return false; }, quiet);
}

std::vector<unsigned> InputTestWindow::keys_down() const {
  char keys[32] = {};
  XQueryKeymap(impl_->display, keys);
  std::vector<unsigned> down;
  for (unsigned kc = 0; kc < 256; ++kc)
    if (((keys[kc / 8] >> (kc % 8)) & 1) != 0) down.push_back(kc);
  return down;
}

unsigned InputTestWindow::pointer_buttons() const {
  Window root = 0, child = 0;
  int rx = 0, ry = 0, wx = 0, wy = 0;
  unsigned mask = 0;
  XQueryPointer(impl_->display, impl_->window, &root, &child, &rx, &ry, &wx, &wy, &mask);
  return mask & (Button1Mask | Button2Mask | Button3Mask | Button4Mask | Button5Mask);
}

}  // namespace elfdesk::test
