


// XTestInjector pointer and release behaviour against a real Xvfb: clicks land at the right pixels of the
// captured area, wheel steps become button 4-7 clicks, release_all lets go of everything, and keysyms the
// layout lacks leave the keymap exactly as it was.
#include <doctest/doctest.h>

// Project headers before Xlib: X.h defines CursorShape, which protocol/messages.hpp uses as a name.
#include "host/input/input_injector.hpp"
#include "tests/host/input_test_window.hpp"
#include "tests/support/xvfb.hpp"

#include <X11/Xlib.h>
#include <X11/keysym.h>

#include <memory>
#include <thread>
#include <vector>

using elfdesk::protocol::KeyEvent;
using elfdesk::protocol::PointerEvent;
using elfdesk::test::ButtonRecord;

namespace {

// The captured monitor is a 320x240 area at (100, 50) of the 640x480 screen.
constexpr elfdesk::Rect kArea{100, 50, 320, 240};

std::unique_ptr<elfdesk::host::InputInjector> make_injector(const std::string& display) {
  auto injector = elfdesk::host::make_xtest_injector(display, kArea);
  REQUIRE(injector.has_value());
  return std::move(*injector);
}

PointerEvent at(int x, int y, std::uint8_t buttons = 0) { return PointerEvent{x, y, buttons, 0, 0}; }

// Core key map of every keycode, to compare before and after.
std::vector<KeySym> core_keymap(const std::string& display) {
  Display* dpy = XOpenDisplay(display.c_str());
  REQUIRE(dpy != nullptr);
  int min = 0, max = 0, per = 0;
  XDisplayKeycodes(dpy, &min, &max);
  KeySym* syms = XGetKeyboardMapping(dpy, static_cast<KeyCode>(min), max - min + 1, &per);
  std::vector<KeySym> result(syms, syms + static_cast<std::ptrdiff_t>((max - min + 1) * per));
  XFree(syms);
  XCloseDisplay(dpy);
  return result;
}

}  // namespace

TEST_CASE("clicks, double-click, drag and wheel land at the right pixels") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  const auto& buttons = window.buttons();

  SUBCASE("single click") {
    REQUIRE(injector->inject_pointer(at(10, 20)));
    REQUIRE(injector->inject_pointer(at(10, 20, 0x01)));
    REQUIRE(injector->inject_pointer(at(10, 20, 0x00)));
    REQUIRE(window.pump_until([&] { return buttons.size() >= 2; }));
    CHECK(buttons[0].button == 1);
    CHECK(buttons[0].down);
    CHECK(buttons[0].x == 110);
    CHECK(buttons[0].y == 70);
    CHECK_FALSE(buttons[1].down);
  }
  SUBCASE("double click with the right button") {
    for (int i = 0; i < 2; ++i) {
      REQUIRE(injector->inject_pointer(at(319, 239, 0x04)));
      REQUIRE(injector->inject_pointer(at(319, 239, 0x00)));
    }
    REQUIRE(window.pump_until([&] { return buttons.size() >= 4; }));
    for (const ButtonRecord& b : buttons) {
      CHECK(b.button == 3);
      CHECK(b.x == 419);
      CHECK(b.y == 289);
    }
    CHECK(buttons[0].down);
    CHECK(buttons[2].down);
  }
  SUBCASE("drag with the left button") {
    REQUIRE(injector->inject_pointer(at(5, 5, 0x01)));
    REQUIRE(injector->inject_pointer(at(50, 60, 0x01)));
    REQUIRE(injector->inject_pointer(at(200, 100, 0x01)));
    REQUIRE(window.pump_until([&] { return window.motion_x() == 300 && window.motion_y() == 150; }));
    REQUIRE(injector->inject_pointer(at(200, 100, 0x00)));
    REQUIRE(window.pump_until([&] { return buttons.size() >= 2; }));
    CHECK(buttons[0].down);
    CHECK(buttons[0].x == 105);
    CHECK(buttons[1].x == 300);
    CHECK(buttons[1].y == 150);
    CHECK((buttons[1].state & Button1Mask) != 0);  // still held while moving: a drag, not two clicks
  }
  SUBCASE("wheel steps: up, down, left, right") {
    REQUIRE(injector->inject_pointer(PointerEvent{30, 40, 0, 0, 2}));
    REQUIRE(injector->inject_pointer(PointerEvent{30, 40, 0, 0, -1}));
    REQUIRE(injector->inject_pointer(PointerEvent{30, 40, 0, -1, 0}));
    REQUIRE(injector->inject_pointer(PointerEvent{30, 40, 0, 3, 0}));
    REQUIRE(window.pump_until([&] { return buttons.size() >= 14; }));
    std::vector<unsigned> pressed;
    for (const ButtonRecord& b : buttons) {
      if (b.down) pressed.push_back(b.button);
      CHECK(b.x == 130);
      CHECK(b.y == 90);
    }
    CHECK(pressed == std::vector<unsigned>{4, 4, 5, 6, 7, 7, 7});
  }
  SUBCASE("back and forward buttons") {
    REQUIRE(injector->inject_pointer(at(1, 1, 0x20)));
    REQUIRE(injector->inject_pointer(at(1, 1, 0x40)));
    REQUIRE(injector->inject_pointer(at(1, 1, 0x00)));
    REQUIRE(window.pump_until([&] { return buttons.size() >= 4; }));
    CHECK(buttons[0].button == 8);
    CHECK(buttons[1].button == 8);
    CHECK_FALSE(buttons[1].down);
    CHECK(buttons[2].button == 9);
  }
  SUBCASE("unsupported button bit is refused") {
    CHECK_FALSE(injector->inject_pointer(at(1, 1, 0x80)));
  }
}

TEST_CASE("release_all lets go of held keys and buttons") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  REQUIRE(window.keys_down().empty());
  REQUIRE(injector->inject_key(KeyEvent{0xe1, XK_Shift_L, true, 0}));
  REQUIRE(injector->inject_key(KeyEvent{0xe0, XK_Control_L, true, 0}));
  REQUIRE(injector->inject_key(KeyEvent{0x04, 'a', true, 0}));
  REQUIRE(injector->inject_key(KeyEvent{0, 0x1000000 + 0x263a, true, 0}));  // a remapped keysym, held
  REQUIRE(injector->inject_pointer(at(10, 10, 0x05)));
  window.pump_for(std::chrono::milliseconds(20));
  CHECK(window.keys_down().size() == 4);
  CHECK(window.pointer_buttons() == (Button1Mask | Button3Mask));

  REQUIRE(injector->release_all());
  window.pump_for(std::chrono::milliseconds(20));
  CHECK(window.keys_down().empty());
  CHECK(window.pointer_buttons() == 0);
}

TEST_CASE("keysyms missing from the layout are typed through a remap that is restored afterwards") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  const auto before = core_keymap(xvfb.display());
  {
    auto injector = make_injector(xvfb.display());
    REQUIRE(injector->inject_text("☺ ñ Ω ✓ 漢字"));
    REQUIRE(window.pump_until([&] { return window.text() == "☺ ñ Ω ✓ 漢字"; }));
    CHECK(core_keymap(xvfb.display()) != before);  // still mapped: clients may not have looked up yet
    REQUIRE(injector->release_all());
    CHECK(core_keymap(xvfb.display()) == before);
    window.pump_for(std::chrono::milliseconds(50));  // the client sees the restore before new typing
    REQUIRE(injector->inject_text("Ω"));             // and the injector keeps working after restoring
    window.pump_until([&] { return window.text() == "☺ ñ Ω ✓ 漢字Ω"; });
    CHECK(window.text() == "☺ ñ Ω ✓ 漢字Ω");
  }
  // Destroying the injector restores too.
  CHECK(core_keymap(xvfb.display()) == before);
}

TEST_CASE("more distinct missing keysyms than spare slots still type correctly") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  std::string greek;
  for (char32_t cp = 0x3b1; cp < 0x3b1 + 20; ++cp) {  // α..υ: 20 keysyms, 16 slots
    greek += static_cast<char>(0xc0 | (cp >> 6));
    greek += static_cast<char>(0x80 | (cp & 0x3f));
  }
  // Typed from another thread while this one reads, as a real client would read concurrently.
  std::thread typist([&] { CHECK(injector->inject_text(greek)); });
  window.pump_until([&] { return window.text().size() >= greek.size(); }, std::chrono::seconds(5));
  typist.join();
  CHECK(window.text() == greek);
}
