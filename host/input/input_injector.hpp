// InputInjector: turns the engineer's key, text and pointer messages into real input on the host's X server.
// One injector per session, driven from one thread (the session's network thread); not thread-safe.
// The XTest implementation owns its own X connection, so it never shares a Display with capture.
#pragma once
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "common/image.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

// Pointer button bits (protocol::PointerEvent::buttons): bit n-1 is X button n for n = 1..5, bits 5 and 6
// carry X buttons 8 and 9 (back/forward). Bit 7 is not used. Wheel steps travel in wheel_x/wheel_y.
inline constexpr std::uint8_t kSupportedButtonMask = 0x7f;

class InputInjector {
 public:
  virtual ~InputInjector() = default;

  // Presses or releases one key. The keysym is preferred (it is what the engineer's layout produced);
  // usb_code is used only when keysym is 0. A key-up releases exactly the keycode its key-down pressed.
  virtual std::expected<void, Error> inject_key(const protocol::KeyEvent& event) = 0;

  // Types each code point of already validated UTF-8 (press + release, with the modifiers it needs).
  virtual std::expected<void, Error> inject_text(std::string_view utf8) = 0;

  // Moves the pointer to (x, y) relative to the captured screen area, then applies button changes against
  // the previously injected state, then the wheel steps as clicks.
  virtual std::expected<void, Error> inject_pointer(const protocol::PointerEvent& event) = 0;

  // The captured area moved or resized (another monitor was chosen): later pointer events map into it.
  virtual void set_screen_area(Rect screen_area) = 0;

  // Releases every key and button this injector holds down and restores any temporarily remapped keycode.
  // Call when a session ends or drops, so nothing stays stuck on the customer's machine.
  virtual std::expected<void, Error> release_all() = 0;
};

// Opens `display` (e.g. ":0"); pointer coordinates are offsets into `screen_area` (the captured monitor).
// Fails with ErrorCode::unavailable when the display cannot be opened or lacks XTEST / XKB.
std::expected<std::unique_ptr<InputInjector>, Error> make_xtest_injector(std::string display, Rect screen_area);

}  // namespace elfdesk::host
