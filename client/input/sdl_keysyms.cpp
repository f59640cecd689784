#include "client/input/sdl_keysyms.hpp"

#include <SDL.h>

#include <algorithm>
#include <array>
#include <utility>

#include "protocol/messages.hpp"

namespace elfdesk::client {
namespace {

// Non-character keys. Values are X11 keysyms (X11/keysymdef.h, XF86keysym.h).
constexpr std::array<std::pair<SDL_Keycode, std::uint32_t>, 60> kSpecial = {{
    {SDLK_RETURN, 0xff0d},       {SDLK_ESCAPE, 0xff1b},       {SDLK_BACKSPACE, 0xff08},
    {SDLK_TAB, 0xff09},          {SDLK_DELETE, 0xffff},       {SDLK_CAPSLOCK, 0xffe5},
    {SDLK_PRINTSCREEN, 0xff61},  {SDLK_SCROLLLOCK, 0xff14},   {SDLK_PAUSE, 0xff13},
    {SDLK_INSERT, 0xff63},       {SDLK_HOME, 0xff50},         {SDLK_PAGEUP, 0xff55},
    {SDLK_END, 0xff57},          {SDLK_PAGEDOWN, 0xff56},     {SDLK_RIGHT, 0xff53},
    {SDLK_LEFT, 0xff51},         {SDLK_DOWN, 0xff54},         {SDLK_UP, 0xff52},
    {SDLK_NUMLOCKCLEAR, 0xff7f}, {SDLK_KP_DIVIDE, 0xffaf},    {SDLK_KP_MULTIPLY, 0xffaa},
    {SDLK_KP_MINUS, 0xffad},     {SDLK_KP_PLUS, 0xffab},      {SDLK_KP_ENTER, 0xff8d},
    {SDLK_KP_EQUALS, 0xffbd},    {SDLK_APPLICATION, 0xff67},  {SDLK_MENU, 0xff67},
    {SDLK_HELP, 0xff6a},         {SDLK_UNDO, 0xff65},         {SDLK_FIND, 0xff68},
    {SDLK_STOP, 0xff69},         {SDLK_LCTRL, 0xffe3},        {SDLK_LSHIFT, 0xffe1},
    {SDLK_LALT, 0xffe9},         {SDLK_LGUI, 0xffeb},         {SDLK_RCTRL, 0xffe4},
    {SDLK_RSHIFT, 0xffe2},       {SDLK_RALT, 0xfe03},         {SDLK_RGUI, 0xffec},
    {SDLK_MODE, 0xff7e},         {SDLK_AUDIOMUTE, 0x1008ff12}, {SDLK_VOLUMEUP, 0x1008ff13},
    {SDLK_VOLUMEDOWN, 0x1008ff11}, {SDLK_AUDIONEXT, 0x1008ff17}, {SDLK_AUDIOPREV, 0x1008ff16},
    {SDLK_AUDIOPLAY, 0x1008ff14}, {SDLK_AUDIOSTOP, 0x1008ff15}, {SDLK_F1, 0xffbe},
    {SDLK_F2, 0xffbf},           {SDLK_F3, 0xffc0},           {SDLK_F4, 0xffc1},
    {SDLK_F5, 0xffc2},           {SDLK_F6, 0xffc3},           {SDLK_F7, 0xffc4},
    {SDLK_F8, 0xffc5},           {SDLK_F9, 0xffc6},           {SDLK_F10, 0xffc7},
    {SDLK_F11, 0xffc8},          {SDLK_F12, 0xffc9},          {SDLK_F13, 0xffca},
}};

// Keypad digits and period: {keycode, keysym with NumLock, keysym without}.
struct KeypadKey {
  SDL_Keycode key;
  std::uint32_t with_numlock;
  std::uint32_t without;
};
constexpr std::array<KeypadKey, 11> kKeypad = {{
    {SDLK_KP_0, 0xffb0, 0xff9e}, {SDLK_KP_1, 0xffb1, 0xff9c}, {SDLK_KP_2, 0xffb2, 0xff99},
    {SDLK_KP_3, 0xffb3, 0xff9b}, {SDLK_KP_4, 0xffb4, 0xff96}, {SDLK_KP_5, 0xffb5, 0xff9d},
    {SDLK_KP_6, 0xffb6, 0xff98}, {SDLK_KP_7, 0xffb7, 0xff95}, {SDLK_KP_8, 0xffb8, 0xff97},
    {SDLK_KP_9, 0xffb9, 0xff9a}, {SDLK_KP_PERIOD, 0xffae, 0xff9f},
}};

}  // namespace

std::uint32_t keysym_from_code_point(std::uint32_t cp) {
  if (cp == '\r' || cp == '\n') return 0xff0d;
  if (cp == '\t') return 0xff09;
  if (cp == '\b') return 0xff08;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (cp < 0x100 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return 0x1000000 + cp;
}

std::uint32_t keysym_from_sdl(std::int32_t sdl_keycode, std::uint16_t sdl_mod) {
  for (const auto& [key, keysym] : kSpecial)
    if (key == sdl_keycode) return keysym;
  if (sdl_keycode >= SDLK_F14 && sdl_keycode <= SDLK_F24)
    return 0xffcb + static_cast<std::uint32_t>(sdl_keycode - SDLK_F14);
  for (const KeypadKey& k : kKeypad)
    if (k.key == sdl_keycode) return (sdl_mod & KMOD_NUM) != 0 ? k.with_numlock : k.without;
  if (sdl_keycode <= 0 || (sdl_keycode & SDLK_SCANCODE_MASK) != 0) return 0;
  auto cp = static_cast<std::uint32_t>(sdl_keycode);
  const bool upper = ((sdl_mod & KMOD_SHIFT) != 0) != ((sdl_mod & KMOD_CAPS) != 0);
  if (upper && cp >= 'a' && cp <= 'z') cp -= 'a' - 'A';
  return keysym_from_code_point(cp);
}

std::uint16_t key_state_from_sdl(std::uint16_t mod) {
  namespace ks = protocol::key_state;
  std::uint16_t state = 0;
  if ((mod & KMOD_CAPS) != 0) state |= ks::kCapsLock;
  if ((mod & KMOD_NUM) != 0) state |= ks::kNumLock;
  if ((mod & KMOD_SCROLL) != 0) state |= ks::kScrollLock;
  if ((mod & KMOD_SHIFT) != 0) state |= ks::kShift;
  if ((mod & KMOD_CTRL) != 0) state |= ks::kControl;
  if ((mod & KMOD_LALT) != 0) state |= ks::kAlt;
  if ((mod & (KMOD_RALT | KMOD_MODE)) != 0) state |= ks::kAltGr;
  if ((mod & KMOD_GUI) != 0) state |= ks::kSuper;
  return state;
}

}  // namespace elfdesk::client
