// Internal to the XTest injector: keysyms missing from the host layout are typed through a spare (empty)
// keycode that is remapped to the keysym for a while and restored afterwards. Restoring lazily (idle time,
// release_all, destruction) gives every X client time to look up the key event under the temporary map.
// Injector's thread only; uses the injector's Display.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

struct _XDisplay;

namespace elfdesk::host {

class X11Keymap;

class SpareKeycodes {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxSlots = 16;
  static constexpr std::chrono::milliseconds kIdleRestore{2000};
  static constexpr std::chrono::milliseconds kMinReuseGap{150};

  explicit SpareKeycodes(_XDisplay* display) : display_(display) {}

  // Re-reads which keycodes are free after a keymap change; slots wiped by a new layout are forgotten.
  void reconcile(const X11Keymap& keymap);
  // Keycode now producing `keysym` at every level, or 0 when every slot is held down.
  unsigned acquire(std::uint32_t keysym);
  // Held slots are never remapped or restored until released.
  void hold(unsigned keycode, int delta);
  // Restores slots idle for kIdleRestore (or all unheld slots when `all`) to NoSymbol.
  void restore(bool all);

 private:
  struct Slot {
    unsigned keycode = 0;
    std::uint32_t keysym = 0;  // 0 = restored (NoSymbol)
    Clock::time_point last_used{};
    int held = 0;
  };
  void map(Slot& slot, std::uint32_t keysym);
  _XDisplay* display_;
  std::vector<Slot> slots_;
};

}  // namespace elfdesk::host
