// Keysym translation for the viewer: SDL keycodes (layout-aware, unshifted) and typed code points to X11
// keysyms, SDL modifier bits to protocol key_state bits. Pure functions with plain integers (no SDL types
// in this header), any thread.
#pragma once
#include <cstdint>

namespace elfdesk::client {

// X11 keysym for a typed Unicode code point: Latin-1 keysyms below U+0100, Unicode keysyms (0x1000000 + cp)
// above; Return/Tab/BackSpace for their control characters; 0 for other control characters.
std::uint32_t keysym_from_code_point(std::uint32_t code_point);

// X11 keysym for an SDL_Keycode under SDL_Keymod `mod`: special keys via a table (F-keys, arrows, keypad
// honouring NumLock, modifiers; right Alt is ISO_Level3_Shift), letters upper-cased under Shift xor Caps,
// other characters as keysym_from_code_point. 0 when there is none (the host then uses the usb code).
std::uint32_t keysym_from_sdl(std::int32_t sdl_keycode, std::uint16_t sdl_mod);

// protocol::key_state bits for an SDL_Keymod.
std::uint16_t key_state_from_sdl(std::uint16_t sdl_mod);

// USB HID usage for an SDL_Scancode (SDL scancodes are USB usages for page 7), 0 outside the page.
inline std::uint32_t usb_from_sdl_scancode(int scancode) {
  return scancode >= 4 && scancode <= 0xe7 ? static_cast<std::uint32_t>(scancode) : 0;
}

}  // namespace elfdesk::client
