// XTestInjector against a real Xvfb: typed text read back through a real X client, on US and German
// layouts; pointer positions; release_all; keymap restored after temporary remapping.
#include <doctest/doctest.h>

#include <X11/keysym.h>

#include <algorithm>
#include <string>

#include "host/input/code_points.hpp"
#include "host/input/input_injector.hpp"
#include "tests/host/input_test_window.hpp"
#include "tests/support/xvfb.hpp"

using elfdesk::host::InputInjector;
using elfdesk::protocol::KeyEvent;
using elfdesk::protocol::PointerEvent;

namespace {

constexpr const char* kSample = "Hello, World! äöü ß € ñ";

// What a viewer sends for a typed character: the layout's keysym (Latin-1 or Unicode keysym).
std::uint32_t keysym_of(std::uint32_t cp) { return cp < 0x100 ? cp : 0x1000000 + cp; }

void type_as_keys(InputInjector& injector, std::string_view text) {
  const auto code_points = elfdesk::host::decode_utf8(text);
  REQUIRE(code_points.has_value());
  for (const std::uint32_t cp : *code_points) {
    REQUIRE(injector.inject_key(KeyEvent{0, keysym_of(cp), true, 0}));
    REQUIRE(injector.inject_key(KeyEvent{0, keysym_of(cp), false, 0}));
  }
}

void expect_typed(elfdesk::test::InputTestWindow& window, const std::string& expected) {
  window.pump_until([&] { return window.text().size() >= expected.size(); });
  window.pump_for(std::chrono::milliseconds(50));
  CHECK(window.text() == expected);
  window.clear();
}

std::unique_ptr<InputInjector> make_injector(const std::string& display, elfdesk::Rect area = {0, 0, 640, 480}) {
  auto injector = elfdesk::host::make_xtest_injector(display, area);
  REQUIRE(injector.has_value());
  return std::move(*injector);
}

void check_typing(const std::string& display) {
  elfdesk::test::InputTestWindow window(display);
  auto injector = make_injector(display);
  SUBCASE("as key events carrying keysyms") {
    type_as_keys(*injector, kSample);
    expect_typed(window, kSample);
  }
  SUBCASE("as text input") {
    REQUIRE(injector->inject_text(kSample));
    expect_typed(window, kSample);
  }
  SUBCASE("twice, reusing remapped keycodes") {
    REQUIRE(injector->inject_text(kSample));
    type_as_keys(*injector, kSample);
    expect_typed(window, std::string(kSample) + kSample);
  }
}

}  // namespace

TEST_CASE("typing reproduces the text on the default US layout") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  check_typing(xvfb.display());
}

TEST_CASE("typing reproduces the text on a German layout") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  REQUIRE(elfdesk::test::run_on_display(xvfb.display(), "setxkbmap -display " + xvfb.display() + " de") == 0);
  check_typing(xvfb.display());
}

TEST_CASE("a layout switch while the injector is open is picked up") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  type_as_keys(*injector, "y@z€");
  expect_typed(window, "y@z€");
  REQUIRE(elfdesk::test::run_on_display(xvfb.display(), "setxkbmap -display " + xvfb.display() + " de") == 0);
  type_as_keys(*injector, "y@z€");
  expect_typed(window, "y@z€");
}

TEST_CASE("engineer modifiers: Shift held on a US keyboard, '@' typed on a German host") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  REQUIRE(elfdesk::test::run_on_display(xvfb.display(), "setxkbmap -display " + xvfb.display() + " de") == 0);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  REQUIRE(injector->inject_key(KeyEvent{0xe1, XK_Shift_L, true, 0}));
  REQUIRE(injector->inject_key(KeyEvent{0x1f, '@', true, elfdesk::protocol::key_state::kShift}));  // Shift+2
  REQUIRE(injector->inject_key(KeyEvent{0x1f, '@', false, elfdesk::protocol::key_state::kShift}));
  REQUIRE(injector->inject_key(KeyEvent{0x04, 'A', true, elfdesk::protocol::key_state::kShift}));
  REQUIRE(injector->inject_key(KeyEvent{0x04, 'A', false, elfdesk::protocol::key_state::kShift}));
  REQUIRE(injector->inject_key(KeyEvent{0xe1, XK_Shift_L, false, 0}));
  expect_typed(window, "@A");
}

TEST_CASE("keys without keysym use the physical usb code") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  for (const std::uint32_t usb : {0x0bu, 0x08u, 0x2cu, 0x1eu}) {  // h, e, space, 1
    REQUIRE(injector->inject_key(KeyEvent{usb, 0, true, 0}));
    REQUIRE(injector->inject_key(KeyEvent{usb, 0, false, 0}));
  }
  expect_typed(window, "he 1");
}

TEST_CASE("key-up releases the keycode of its key-down even when the keysym changed") {
  elfdesk::test::XvfbServer xvfb(640, 480);
  elfdesk::test::InputTestWindow window(xvfb.display());
  auto injector = make_injector(xvfb.display());
  REQUIRE(injector->inject_key(KeyEvent{0x1e, '!', true, elfdesk::protocol::key_state::kShift}));
  REQUIRE(injector->inject_key(KeyEvent{0x1e, '1', false, 0}));
  expect_typed(window, "!");
  CHECK(window.keys_down().empty());
}
