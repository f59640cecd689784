// Keyboard focus of the customer's window under an X11 window manager: the window takes focus only while
// it asks a question and gives it back afterwards, so the customer's (and the engineer's) typing goes on
// reaching the customer's application. UI (main) thread only; every call is a no-op off X11.
#pragma once
#include <SDL.h>

namespace elfdesk::host::sdl {

// WM_HINTS input field (ICCCM): with false, window managers never give the window keyboard focus, and
// _NET_WM_USER_TIME 0 asks them not to focus it when it is mapped.
void set_accepts_focus(SDL_Window* window, bool accepts);
// The window that has keyboard focus now (0 when none or not on X11).
unsigned long x11_focused_window(SDL_Window* any);
// Gives focus back to `previous` (from x11_focused_window) if this window still holds it.
void return_focus(SDL_Window* window, unsigned long previous);

}  // namespace elfdesk::host::sdl
