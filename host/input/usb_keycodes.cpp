#include "host/input/usb_keycodes.hpp"

#include <array>

namespace elfdesk::host {
namespace {

// Index: USB usage 0x00..0xe7. Values: evdev codes (linux/input-event-codes.h), 0 = none.
constexpr std::array<std::uint8_t, 0xe8> kUsbToEvdev = [] {
  std::array<std::uint8_t, 0xe8> t{};
  // 0x04..0x1d: letters a..z in usage order.
  constexpr std::uint8_t letters[26] = {30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50,
                                        49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44};
  for (int i = 0; i < 26; ++i) t[0x04 + i] = letters[i];
  for (int i = 0; i < 10; ++i) t[0x1e + i] = static_cast<std::uint8_t>(2 + i);  // 1..9, 0
  constexpr std::uint8_t block28[] = {28, 1, 14, 15, 57, 12, 13, 26, 27, 43, 43, 39, 40, 41, 51, 52, 53, 58};
  for (int i = 0; i < 18; ++i) t[0x28 + i] = block28[i];                        // Enter .. CapsLock
  for (int i = 0; i < 10; ++i) t[0x3a + i] = static_cast<std::uint8_t>(59 + i);  // F1..F10
  constexpr std::uint8_t block44[] = {87,  88,  99,  70,  119, 110, 102, 104, 111, 107, 109, 106,
                                      105, 108, 103, 69,  98,  55,  74,  78,  96,  79,  80,  81,
                                      75,  76,  77,  71,  72,  73,  82,  83,  86,  127, 116, 117};
  for (int i = 0; i < 36; ++i) t[0x44 + i] = block44[i];                         // F11 .. KP Equal
  for (int i = 0; i < 12; ++i) t[0x68 + i] = static_cast<std::uint8_t>(183 + i);  // F13..F24
  constexpr std::uint8_t block74[] = {134, 138, 130, 132, 128, 129, 131, 137, 133, 135, 136, 113, 115, 114};
  for (int i = 0; i < 14; ++i) t[0x74 + i] = block74[i];  // Open .. Volume Down
  t[0x85] = 121;                                          // KP Comma
  constexpr std::uint8_t block87[] = {89, 93, 124, 92, 94, 95};  // International1..6
  for (int i = 0; i < 6; ++i) t[0x87 + i] = block87[i];
  t[0x90] = 122;  // LANG1 Hangeul
  t[0x91] = 123;  // LANG2 Hanja
  t[0x92] = 90;   // LANG3 Katakana
  t[0x93] = 91;   // LANG4 Hiragana
  t[0x94] = 85;   // LANG5 Zenkaku/Hankaku
  constexpr std::uint8_t modifiers[] = {29, 42, 56, 125, 97, 54, 100, 126};  // LCtrl .. RGUI
  for (int i = 0; i < 8; ++i) t[0xe0 + i] = modifiers[i];
  return t;
}();

}  // namespace

std::uint16_t evdev_from_usb(std::uint32_t usb_code) {
  return usb_code < kUsbToEvdev.size() ? kUsbToEvdev[usb_code] : 0;
}

}  // namespace elfdesk::host
