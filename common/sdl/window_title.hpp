// Gives an SDL window a UTF-8 title whatever the process locale. Main (SDL) thread.
//
// Why not SDL_SetWindowTitle alone: SDL 2.26 on X11 converts the title through the C library's locale,
// so in the "C" locale a title with a dash reaches X as mojibake and without _NET_WM_NAME. Setting a UTF-8
// LC_CTYPE for the whole process fixes the title but breaks keyboard input: SDL's key-release path then
// reads XLookupString's (now UTF-8) bytes as ISO-8859-1, converts them a second time and over-reads its
// own heap buffer for every Latin-1 letter (ä, ß, ñ; found by ASan in e2e_test_input). So both programs
// keep the C locale, and on X11 this writes _NET_WM_NAME and WM_NAME as UTF8_STRING itself.
#pragma once
#include <string>

struct SDL_Window;

namespace elfdesk::sdl {

void set_window_title(SDL_Window* window, const std::string& utf8);

}  // namespace elfdesk::sdl
