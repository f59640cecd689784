// Physical key translation: USB HID usage (page 7, as SDL scancodes carry it) -> Linux evdev key code.
// X servers using evdev/libinput number keys as evdev + 8. Pure table lookup, any thread.
#pragma once
#include <cstdint>

namespace elfdesk::host {

// Linux evdev key code for a USB HID keyboard usage, or 0 when the usage has no evdev key.
std::uint16_t evdev_from_usb(std::uint32_t usb_code);

// X keycode under the evdev keycodes (evdev + 8), or 0 when unknown.
inline std::uint16_t x_keycode_from_usb(std::uint32_t usb_code) {
  const std::uint16_t evdev = evdev_from_usb(usb_code);
  return evdev == 0 ? 0 : static_cast<std::uint16_t>(evdev + 8);
}

}  // namespace elfdesk::host
