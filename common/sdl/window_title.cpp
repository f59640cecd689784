#include "common/sdl/window_title.hpp"

#include <SDL.h>
#include <SDL_syswm.h>
#include <X11/Xatom.h>
#include <X11/Xlib.h>

namespace elfdesk::sdl {

void set_window_title(SDL_Window* window, const std::string& utf8) {
  SDL_SetWindowTitle(window, utf8.c_str());  // SDL's own copy (and the title on other video drivers)
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (SDL_GetWindowWMInfo(window, &info) != SDL_TRUE || info.subsystem != SDL_SYSWM_X11) return;
  Display* display = info.info.x11.display;
  const Window xwindow = info.info.x11.window;
  const Atom utf8_string = XInternAtom(display, "UTF8_STRING", False);
  const auto* bytes = reinterpret_cast<const unsigned char*>(utf8.data());
  const int length = static_cast<int>(utf8.size());
  for (const char* name : {"_NET_WM_NAME", "WM_NAME"}) {
    XChangeProperty(display, xwindow, XInternAtom(display, name, False), utf8_string, 8, PropModeReplace, bytes,
                    length);
  }
  XFlush(display);
}

}  // namespace elfdesk::sdl
