#include "host/input/spare_keycodes.hpp"

#include <X11/Xlib.h>

#include <algorithm>
#include <thread>

#include "host/input/x11_keymap.hpp"

namespace elfdesk::host {

void SpareKeycodes::reconcile(const X11Keymap& keymap) {
  std::vector<Slot> kept;
  for (const Slot& slot : slots_) {
    // A layout switch replaces the whole map: a slot that no longer holds our keysym is not ours anymore.
    const bool still_ours = slot.keysym == 0 ? keymap.modmap(slot.keycode) == 0 &&
                                                   keymap.keysym_at(slot.keycode, 0, 0) == 0
                                             : keymap.keysym_at(slot.keycode, 0, 0) == slot.keysym;
    if (still_ours) kept.push_back(slot);
  }
  for (const unsigned kc : keymap.empty_keycodes()) {
    if (kept.size() >= kMaxSlots) break;
    if (std::none_of(kept.begin(), kept.end(), [kc](const Slot& s) { return s.keycode == kc; }))
      kept.push_back(Slot{kc, 0, {}, 0});
  }
  slots_ = std::move(kept);
}

unsigned SpareKeycodes::acquire(std::uint32_t keysym) {
  Slot* chosen = nullptr;
  for (Slot& slot : slots_) {
    if (slot.keysym == keysym) {
      slot.last_used = Clock::now();
      return slot.keycode;
    }
    // Least recently changed first, mapped or restored alike: Xlib clients mis-refresh a keycode that
    // changed twice (restore, then remap) before they looked it up, so a just-restored slot waits its turn.
    if (slot.held > 0) continue;
    if (chosen == nullptr || slot.last_used < chosen->last_used) chosen = &slot;
  }
  if (chosen == nullptr) return 0;
  map(*chosen, keysym);
  return chosen->keycode;
}

void SpareKeycodes::map(Slot& slot, std::uint32_t keysym) {
  if (slot.last_used != Clock::time_point{}) {
    // Changing a slot typed with moments ago: the server queues XTest input and may deliver the key event
    // after a later mapping change, and clients look keysyms up only when they read the event. Let both
    // catch up so the earlier key is still read under the mapping it was typed with.
    XSync(display_, False);
    const auto since = Clock::now() - slot.last_used;
    if (since < kMinReuseGap) std::this_thread::sleep_for(kMinReuseGap - since);
  }
  // Both levels carry the keysym so Shift, Lock or Level3 cannot change what the key types.
  KeySym syms[2] = {keysym, keysym};
  if (keysym == 0) {
    XChangeKeyboardMapping(display_, static_cast<int>(slot.keycode), 1, syms, 1);
  } else {
    XChangeKeyboardMapping(display_, static_cast<int>(slot.keycode), 2, syms, 1);
  }
  // Round trip before the key is pressed: the server must have finished the change (and sent clients
  // its MappingNotify) before the XTest key event exists, or a client may read the key event first and
  // look it up under the old map.
  XSync(display_, False);
  slot.keysym = keysym;
  slot.last_used = Clock::now();
}

void SpareKeycodes::hold(unsigned keycode, int delta) {
  for (Slot& slot : slots_)
    if (slot.keycode == keycode) slot.held = std::max(0, slot.held + delta);
}

void SpareKeycodes::restore(bool all) {
  const auto now = Clock::now();
  bool changed = false;
  for (Slot& slot : slots_) {
    if (slot.keysym == 0 || slot.held > 0) continue;
    if (!all && now - slot.last_used < kIdleRestore) continue;
    map(slot, 0);
    changed = true;
  }
  if (changed) XFlush(display_);
}

}  // namespace elfdesk::host
