#include "host/ui/x11_focus.hpp"

#include <SDL_syswm.h>  // pulls in Xlib and its macros: keep this file small

#include <X11/Xatom.h>
#include <X11/Xutil.h>

#include <vector>

namespace elfdesk::host::sdl {
namespace {

bool x11_info(SDL_Window* window, SDL_SysWMinfo& info) {
  SDL_VERSION(&info.version);
  return window != nullptr && SDL_GetWindowWMInfo(window, &info) == SDL_TRUE && info.subsystem == SDL_SYSWM_X11;
}

// WM_TAKE_FOCUS with input=False would still let a window manager hand focus over (ICCCM "globally
// active"), and SDL accepts it: the protocol is listed only while the window accepts focus.
void set_take_focus_protocol(Display* display, Window window, bool wanted) {
  const Atom take_focus = XInternAtom(display, "WM_TAKE_FOCUS", False);
  Atom* protocols = nullptr;
  int count = 0;
  std::vector<Atom> kept;
  if (XGetWMProtocols(display, window, &protocols, &count) != 0) {
    for (int i = 0; i < count; ++i)
      if (protocols[i] != take_focus) kept.push_back(protocols[i]);
    XFree(protocols);
  }
  if (wanted) kept.push_back(take_focus);
  XSetWMProtocols(display, window, kept.data(), static_cast<int>(kept.size()));
}

}  // namespace

void set_accepts_focus(SDL_Window* window, bool accepts) {
  SDL_SysWMinfo info;
  if (!x11_info(window, info)) return;
  Display* display = info.info.x11.display;
  const Window xwindow = info.info.x11.window;
  XWMHints* hints = XGetWMHints(display, xwindow);
  XWMHints fresh{};
  XWMHints* target = hints != nullptr ? hints : &fresh;
  target->flags |= InputHint;
  target->input = accepts ? True : False;
  XSetWMHints(display, xwindow, target);
  if (hints != nullptr) XFree(hints);
  set_take_focus_protocol(display, xwindow, accepts);
  if (!accepts) {
    const Atom user_time = XInternAtom(display, "_NET_WM_USER_TIME", False);
    const long zero = 0;
    XChangeProperty(display, xwindow, user_time, XA_CARDINAL, 32, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(&zero), 1);
  }
  XFlush(display);
}

unsigned long x11_focused_window(SDL_Window* any) {
  SDL_SysWMinfo info;
  if (!x11_info(any, info)) return 0;
  Window focused = 0;
  int revert = 0;
  XGetInputFocus(info.info.x11.display, &focused, &revert);
  return focused == PointerRoot ? 0 : focused;
}

void return_focus(SDL_Window* window, unsigned long previous) {
  SDL_SysWMinfo info;
  if (previous == 0 || !x11_info(window, info)) return;
  Display* display = info.info.x11.display;
  Window focused = 0;
  int revert = 0;
  XGetInputFocus(display, &focused, &revert);
  if (focused != info.info.x11.window || previous == info.info.x11.window) return;
  // The window manager is asked first (it keeps its own idea of the active window); the direct call
  // covers window managers that ignore the request and bare X servers.
  XEvent event{};
  event.xclient.type = ClientMessage;
  event.xclient.window = previous;
  event.xclient.message_type = XInternAtom(display, "_NET_ACTIVE_WINDOW", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = 2;  // source: a pager, i.e. on the user's behalf
  event.xclient.data.l[1] = CurrentTime;
  XSendEvent(display, DefaultRootWindow(display), False, SubstructureRedirectMask | SubstructureNotifyMask, &event);
  XSetInputFocus(display, previous, RevertToParent, CurrentTime);
  XFlush(display);
}

}  // namespace elfdesk::host::sdl
