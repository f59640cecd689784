// InputMapper with synthetic SDL events (SDL_INIT_EVENTS, dummy video driver, no window): keys with the
// typed keysym, shifted and AltGr symbols, non-ASCII, dead keys and IME text, shortcuts, the grab toggle,
// pointer mapping through a scaled and letterboxed viewport, wheel, and release on focus loss.
#include <doctest/doctest.h>

#include <SDL.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "client/input/input_mapper.hpp"
#include "client/input/sdl_keysyms.hpp"

using elfdesk::client::InputMapper;
using elfdesk::client::Viewport;
using elfdesk::protocol::KeyEvent;
using elfdesk::protocol::Message;
using elfdesk::protocol::PointerEvent;
using elfdesk::protocol::TextInput;
namespace ks = elfdesk::protocol::key_state;

namespace {

struct SdlEvents {
  SdlEvents() {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    REQUIRE(SDL_Init(SDL_INIT_EVENTS) == 0);
  }
  ~SdlEvents() { SDL_Quit(); }
};

SDL_Event key(bool down, SDL_Scancode scancode, SDL_Keycode keycode, Uint16 mod = KMOD_NONE, bool repeat = false) {
  SDL_Event e{};
  e.type = down ? SDL_KEYDOWN : SDL_KEYUP;
  e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
  e.key.repeat = repeat ? 1 : 0;
  e.key.keysym.scancode = scancode;
  e.key.keysym.sym = keycode;
  e.key.keysym.mod = mod;
  return e;
}

SDL_Event text(const char* utf8) {
  SDL_Event e{};
  e.type = SDL_TEXTINPUT;
  std::strncpy(e.text.text, utf8, sizeof e.text.text - 1);
  return e;
}

SDL_Event motion(int x, int y) {
  SDL_Event e{};
  e.type = SDL_MOUSEMOTION;
  e.motion.x = x;
  e.motion.y = y;
  return e;
}

SDL_Event button(bool down, Uint8 which, int x, int y) {
  SDL_Event e{};
  e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
  e.button.button = which;
  e.button.x = x;
  e.button.y = y;
  return e;
}

SDL_Event wheel(int x, int y, int at_x, int at_y, bool flipped = false) {
  SDL_Event e{};
  e.type = SDL_MOUSEWHEEL;
  e.wheel.x = x;
  e.wheel.y = y;
  e.wheel.direction = flipped ? SDL_MOUSEWHEEL_FLIPPED : SDL_MOUSEWHEEL_NORMAL;
  e.wheel.mouseX = at_x;
  e.wheel.mouseY = at_y;
  return e;
}

// Feeds events as the viewer does (flush after the batch) and collects every message.
std::vector<Message> feed(InputMapper& mapper, const std::vector<SDL_Event>& events) {
  std::vector<Message> out;
  for (const SDL_Event& e : events) {
    auto got = mapper.handle(&e);
    out.insert(out.end(), got.begin(), got.end());
  }
  auto rest = mapper.flush();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Message down(std::uint32_t usb, std::uint32_t keysym, std::uint16_t state = 0) { return KeyEvent{usb, keysym, true, state}; }
Message up(std::uint32_t usb, std::uint32_t keysym, std::uint16_t state = 0) { return KeyEvent{usb, keysym, false, state}; }

}  // namespace

TEST_CASE("printable keys carry the character they typed") {
  SdlEvents sdl;
  InputMapper mapper;
  SUBCASE("plain letter") {
    CHECK(feed(mapper, {key(true, SDL_SCANCODE_A, SDLK_a), text("a"), key(false, SDL_SCANCODE_A, SDLK_a)}) ==
          std::vector<Message>{down(0x04, 'a'), up(0x04, 'a')});
  }
  SUBCASE("Shift+2 on a US layout is '@', and the key-up repeats '@' after Shift is released") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_LSHIFT, SDLK_LSHIFT, KMOD_LSHIFT),
                                   key(true, SDL_SCANCODE_2, SDLK_2, KMOD_LSHIFT), text("@"),
                                   key(false, SDL_SCANCODE_LSHIFT, SDLK_LSHIFT),
                                   key(false, SDL_SCANCODE_2, SDLK_2)});
    CHECK(got == std::vector<Message>{down(0xe1, 0xffe1, ks::kShift), down(0x1f, '@', ks::kShift), up(0xe1, 0xffe1),
                                      up(0x1f, '@')});
  }
  SUBCASE("AltGr+Q on a German layout is '@'; AltGr itself is ISO_Level3_Shift") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_RALT, SDLK_RALT, KMOD_RALT),
                                   key(true, SDL_SCANCODE_Q, SDLK_q, KMOD_RALT), text("@"),
                                   key(false, SDL_SCANCODE_Q, SDLK_q, KMOD_RALT)});
    CHECK(got == std::vector<Message>{down(0xe6, 0xfe03, ks::kAltGr), down(0x14, '@', ks::kAltGr),
                                      up(0x14, '@', ks::kAltGr)});
  }
  SUBCASE("non-ASCII: Latin-1 keysym for ä, Unicode keysym for €") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_APOSTROPHE, 0xe4), text("ä"),
                                   key(false, SDL_SCANCODE_APOSTROPHE, 0xe4),
                                   key(true, SDL_SCANCODE_E, SDLK_e, KMOD_RALT), text("€"),
                                   key(false, SDL_SCANCODE_E, SDLK_e, KMOD_RALT)});
    CHECK(got == std::vector<Message>{down(0x34, 0xe4), up(0x34, 0xe4), down(0x08, 0x10020ac, ks::kAltGr),
                                      up(0x08, 0x10020ac, ks::kAltGr)});
  }
  SUBCASE("auto-repeat repeats the same keysym") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_X, SDLK_x), text("x"),
                                   key(true, SDL_SCANCODE_X, SDLK_x, KMOD_NONE, true), text("x"),
                                   key(false, SDL_SCANCODE_X, SDLK_x)});
    CHECK(got == std::vector<Message>{down(0x1b, 'x'), down(0x1b, 'x'), up(0x1b, 'x')});
  }
}

TEST_CASE("text that no key produced goes as TextInput, and nothing is typed twice") {
  SdlEvents sdl;
  InputMapper mapper;
  SUBCASE("dead key then letter: only the composed character") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_EQUALS, SDLK_EQUALS), key(false, SDL_SCANCODE_EQUALS, SDLK_EQUALS),
                                   key(true, SDL_SCANCODE_E, SDLK_e), text("é"), key(false, SDL_SCANCODE_E, SDLK_e)});
    CHECK(got == std::vector<Message>{down(0x08, 0xe9), up(0x08, 0xe9)});
  }
  SUBCASE("IME commit of several characters from one key") {
    const auto got = feed(mapper, {key(true, SDL_SCANCODE_RETURN, SDLK_RETURN), key(false, SDL_SCANCODE_RETURN, SDLK_RETURN)});
    CHECK(got == std::vector<Message>{down(0x28, 0xff0d), up(0x28, 0xff0d)});
    const auto committed = feed(mapper, {key(true, SDL_SCANCODE_SPACE, SDLK_SPACE), text("日本語"),
                                         key(false, SDL_SCANCODE_SPACE, SDLK_SPACE)});
    CHECK(committed == std::vector<Message>{TextInput{"日本語"}});
  }
  SUBCASE("text without any key (asynchronous IME, on-screen keyboard)") {
    CHECK(feed(mapper, {text("ñ")}) == std::vector<Message>{TextInput{"ñ"}});
  }
  SUBCASE("key whose text arrives only after the queue was drained") {
    CHECK(feed(mapper, {key(true, SDL_SCANCODE_N, SDLK_n)}).empty());
    CHECK(feed(mapper, {text("ñ"), key(false, SDL_SCANCODE_N, SDLK_n)}) == std::vector<Message>{TextInput{"ñ"}});
  }
  SUBCASE("without SDL text input, printable keys go at once with the layout keysym") {
    mapper.set_text_input_active(false);
    CHECK(feed(mapper, {key(true, SDL_SCANCODE_B, SDLK_b, KMOD_LSHIFT), key(false, SDL_SCANCODE_B, SDLK_b)}) ==
          std::vector<Message>{down(0x05, 'B', ks::kShift), up(0x05, 'B')});
  }
}

TEST_CASE("shortcuts and special keys go immediately with table keysyms") {
  SdlEvents sdl;
  InputMapper mapper;
  const Uint16 ctrl_shift = KMOD_LCTRL | KMOD_LSHIFT;
  CHECK(feed(mapper, {key(true, SDL_SCANCODE_C, SDLK_c, ctrl_shift), key(false, SDL_SCANCODE_C, SDLK_c, ctrl_shift)}) ==
        std::vector<Message>{down(0x06, 'C', ks::kControl | ks::kShift), up(0x06, 'C', ks::kControl | ks::kShift)});
  CHECK(feed(mapper, {key(true, SDL_SCANCODE_F5, SDLK_F5), key(true, SDL_SCANCODE_LEFT, SDLK_LEFT),
                      key(true, SDL_SCANCODE_F20, SDLK_F20)}) ==
        std::vector<Message>{down(0x3e, 0xffc2), down(0x50, 0xff51), down(0x6f, 0xffd1)});
  CHECK(feed(mapper, {key(true, SDL_SCANCODE_KP_1, SDLK_KP_1, KMOD_NUM), key(true, SDL_SCANCODE_KP_7, SDLK_KP_7)}) ==
        std::vector<Message>{down(0x59, 0xffb1, ks::kNumLock), down(0x5f, 0xff95)});
  CHECK(elfdesk::client::keysym_from_sdl(SDLK_a, KMOD_CAPS) == 'A');
  CHECK(elfdesk::client::keysym_from_sdl(SDLK_a, KMOD_CAPS | KMOD_SHIFT) == 'a');
}

TEST_CASE("Ctrl+Alt+G toggles the keyboard grab and is not sent") {
  SdlEvents sdl;
  InputMapper mapper;
  std::vector<bool> changes;
  mapper.set_grab_handler([&](bool grabbed) { changes.push_back(grabbed); });
  const Uint16 mods = KMOD_LCTRL | KMOD_LALT;
  const auto got = feed(mapper, {key(true, SDL_SCANCODE_LCTRL, SDLK_LCTRL, KMOD_LCTRL),
                                 key(true, SDL_SCANCODE_LALT, SDLK_LALT, mods), key(true, SDL_SCANCODE_G, SDLK_g, mods),
                                 key(true, SDL_SCANCODE_G, SDLK_g, mods, true), key(false, SDL_SCANCODE_G, SDLK_g, mods)});
  CHECK(got == std::vector<Message>{down(0xe0, 0xffe3, ks::kControl), down(0xe2, 0xffe9, ks::kControl | ks::kAlt)});
  CHECK(mapper.keyboard_grabbed());
  feed(mapper, {key(true, SDL_SCANCODE_G, SDLK_g, mods), key(false, SDL_SCANCODE_G, SDLK_g, mods)});
  CHECK_FALSE(mapper.keyboard_grabbed());
  CHECK(changes == std::vector<bool>{true, false});
  // Ctrl+G alone is an ordinary shortcut.
  CHECK(feed(mapper, {key(true, SDL_SCANCODE_G, SDLK_g, KMOD_LCTRL)}) == std::vector<Message>{down(0x0a, 'g', ks::kControl)});
}

TEST_CASE("pointer through a scaled, letterboxed viewport") {
  SdlEvents sdl;
  // 1920x1080 remote in a 960x720 window: scale 0.5, picture 960x540 with 90-pixel bars top and bottom.
  InputMapper mapper(Viewport{1920, 1080, 960, 720});
  CHECK(feed(mapper, {motion(480, 360)}) == std::vector<Message>{PointerEvent{960, 540, 0, 0, 0}});
  CHECK(feed(mapper, {motion(10, 40)}).empty());            // top bar
  CHECK(feed(mapper, {button(true, SDL_BUTTON_LEFT, 10, 700)}).empty());  // click in the bottom bar
  CHECK(feed(mapper, {button(false, SDL_BUTTON_LEFT, 10, 700)}).empty()); // and its release
  CHECK(feed(mapper, {button(true, SDL_BUTTON_LEFT, 0, 90), button(false, SDL_BUTTON_LEFT, 0, 90)}) ==
        std::vector<Message>{PointerEvent{0, 0, 0x01, 0, 0}, PointerEvent{0, 0, 0, 0, 0}});
  SUBCASE("a drag leaving the picture continues along its edge") {
    const auto got = feed(mapper, {button(true, SDL_BUTTON_RIGHT, 100, 100), motion(959, 719), button(false, SDL_BUTTON_RIGHT, 959, 719)});
    CHECK(got == std::vector<Message>{PointerEvent{200, 20, 0x04, 0, 0}, PointerEvent{1918, 1078, 0x04, 0, 0},
                                      PointerEvent{1918, 1078, 0, 0, 0}});
  }
  SUBCASE("wheel: steps at the pointer, natural scrolling flipped back, nothing over the bars") {
    CHECK(feed(mapper, {wheel(0, 2, 480, 360), wheel(-1, 0, 480, 360), wheel(0, 1, 480, 360, true)}) ==
          std::vector<Message>{PointerEvent{960, 540, 0, 0, 2}, PointerEvent{960, 540, 0, -1, 0}, PointerEvent{960, 540, 0, 0, -1}});
    CHECK(feed(mapper, {wheel(0, 1, 480, 20)}).empty());
  }
  SUBCASE("back and forward buttons") {
    CHECK(feed(mapper, {button(true, SDL_BUTTON_X1, 480, 360), button(true, SDL_BUTTON_X2, 480, 360)}) ==
          std::vector<Message>{PointerEvent{960, 540, 0x20, 0, 0}, PointerEvent{960, 540, 0x60, 0, 0}});
  }
}

TEST_CASE("focus loss releases every key and button sent down") {
  SdlEvents sdl;
  InputMapper mapper(Viewport{800, 600, 800, 600});
  feed(mapper, {key(true, SDL_SCANCODE_LCTRL, SDLK_LCTRL, KMOD_LCTRL), key(true, SDL_SCANCODE_2, SDLK_2, KMOD_LSHIFT),
                text("@"), button(true, SDL_BUTTON_LEFT, 5, 6)});
  SDL_Event focus{};
  focus.type = SDL_WINDOWEVENT;
  focus.window.event = SDL_WINDOWEVENT_FOCUS_LOST;
  const auto got = feed(mapper, {focus});
  CHECK(got == std::vector<Message>{up(0x1f, '@'), up(0xe0, 0xffe3), PointerEvent{5, 6, 0, 0, 0}});
  // Keys released afterwards are not sent again.
  CHECK(feed(mapper, {key(false, SDL_SCANCODE_LCTRL, SDLK_LCTRL)}).empty());
}
