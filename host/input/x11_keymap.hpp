// Internal to the XTest injector: the host's current XKB keymap, searched by keysym (or by the keysym's
// Unicode value), and the Shift/Level3 changes that make a keycode produce the wanted level.
// Lives on the injector's thread and uses the injector's Display; not thread-safe. Xlib stays in the .cpp.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <vector>

#include "protocol/error.hpp"

struct _XDisplay;  // Xlib's Display

namespace elfdesk::host {

// What to do to type a keysym: temporarily set / clear these real modifier bits, then press `keycode`.
struct KeyPlan {
  unsigned keycode = 0;
  unsigned set_mods = 0;
  unsigned clear_mods = 0;
};

class X11Keymap {
 public:
  // Fetches the keymap; fails with ErrorCode::unavailable when XKB cannot deliver it.
  static std::expected<X11Keymap, Error> load(_XDisplay* display);
  X11Keymap(X11Keymap&&) noexcept;
  X11Keymap& operator=(X11Keymap&&) noexcept;
  ~X11Keymap();

  // Finds the key that produces `keysym` (exact match preferred, else a keysym with the same Unicode
  // value, e.g. EuroSign for U+20AC) in `group`. With `adjust`, picks the key and Shift/Level3 changes
  // that reach its level from the current effective `mods` with the fewest changes; without, the key is
  // pressed as-is (shortcuts: Ctrl+Shift+C must stay Ctrl+Shift+C). nullopt when no key has it.
  std::optional<KeyPlan> plan(std::uint32_t keysym, unsigned group, unsigned mods, bool adjust) const;

  unsigned min_keycode() const;
  unsigned max_keycode() const;
  unsigned modmap(unsigned keycode) const;           // real modifier bits this key sets
  unsigned modifier_key(unsigned mod_bit) const;     // a key that sets mod_bit (Shift_L preferred), 0 if none
  unsigned shortcut_mods() const { return shortcut_mods_; }  // Control, Alt and Super bits
  std::uint32_t keysym_at(unsigned keycode, unsigned group, unsigned level) const;
  // Keycodes with no symbols and no modifiers at all: usable for temporary remapping.
  std::vector<unsigned> empty_keycodes() const;

 private:
  struct Desc;
  explicit X11Keymap(std::unique_ptr<Desc> desc);
  std::unique_ptr<Desc> desc_;
  unsigned level3_mods_ = 0;
  unsigned shortcut_mods_ = 0;
};

// Unicode value of a keysym (Latin-1, legacy and 0x1000000+cp keysyms), 0 when it is not a character.
std::uint32_t keysym_to_unicode(std::uint32_t keysym);
// Keysym for a code point: Latin-1 keysyms below U+0100, Unicode keysyms above; control characters map to
// Return, Tab and BackSpace.
std::uint32_t unicode_to_keysym(std::uint32_t code_point);

}  // namespace elfdesk::host
