#include "client/cli/viewer_menu.hpp"

#include <SDL.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

#include <fmt/format.h>

#include "client/input/sdl_keysyms.hpp"

namespace elfdesk::client {
namespace {

// Strings are built by appending: GCC 12 reports false array-bounds errors for `std::string + literal`
// inlined into aggregate temporaries here.
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto part : parts) out.append(part);
  return out;
}

void add(std::vector<MenuItem>& items, std::string label, MenuAction action, bool enabled = true, int monitor = -1) {
  MenuItem item;
  item.label = std::move(label);
  item.action = action;
  item.monitor = monitor;
  item.enabled = enabled;
  items.push_back(std::move(item));
}

std::string_view check(bool on) { return on ? "[x] " : "[ ] "; }

void add_monitors(const MenuContext& c, std::vector<MenuItem>& items) {
  const auto* list = c.monitors;
  if (list == nullptr || list->monitors.size() <= 1) return add(items, "Monitor: one monitor", MenuAction::monitor, false);
  add(items, join({list->selected == -1 ? "(*) " : "( ) ", "All monitors"}), MenuAction::monitor, true, -1);
  for (std::size_t i = 0; i < list->monitors.size(); ++i) {
    const auto& m = list->monitors[i];
    const auto label = fmt::format("{}Monitor {}: {} {}x{}{}", list->selected == static_cast<int>(i) ? "(*) " : "( ) ",
                                   i + 1, m.name, m.width, m.height, m.primary ? " (primary)" : "");
    add(items, label, MenuAction::monitor, true, static_cast<int>(i));
  }
}

}  // namespace

std::vector<MenuItem> build_menu(const MenuContext& c) {
  std::vector<MenuItem> items;
  add(items, "Send Ctrl+Alt+Del", MenuAction::send_ctrl_alt_del, c.control);
  add(items, "Send Alt+Tab", MenuAction::send_alt_tab, c.control);
  add(items, "Send Super", MenuAction::send_super, c.control);
  add(items, "Send Print", MenuAction::send_print, c.control);
  add(items, join({check(c.grabbed), "Keyboard grab       Ctrl+Alt+G"}), MenuAction::keyboard_grab, c.control);
  add_monitors(c, items);
  add(items, c.one_to_one ? "Scale: 1:1 (to fit)     Ctrl+Alt+1" : "Scale: fit (to 1:1)     Ctrl+Alt+1",
      MenuAction::scale_mode);
  add(items, join({check(c.fullscreen), "Fullscreen          F11"}), MenuAction::fullscreen);
  add(items, join({check(c.stats), "Statistics          Ctrl+Alt+S"}), MenuAction::statistics);
  add(items, "Diagnostics (triage)    Ctrl+Alt+D", MenuAction::diagnostics, c.probes);
  add(items, "Chat                    Ctrl+Alt+C", MenuAction::chat);
  add(items, "Transfers and status", MenuAction::status);
  add(items, "End session", MenuAction::end_session);
  return items;
}

int move_selection(const std::vector<MenuItem>& items, int from, int delta) {
  const int n = static_cast<int>(items.size());
  if (n == 0) return -1;
  int at = from < 0 ? (delta > 0 ? -1 : n) : from;
  const int step = delta < 0 ? -1 : 1;
  for (int moved = 0, tries = 0; tries < 2 * n && moved < std::max(1, std::abs(delta)); ++tries) {
    at = ((at + step) % n + n) % n;
    if (items[static_cast<std::size_t>(at)].enabled) ++moved;
  }
  return items[static_cast<std::size_t>(at)].enabled ? at : -1;
}

std::vector<protocol::Message> key_combination(MenuAction action) {
  struct Key {
    SDL_Scancode scancode;
    SDL_Keycode keycode;
    Uint16 mod;  // the modifier this key adds while held
  };
  constexpr Key ctrl{SDL_SCANCODE_LCTRL, SDLK_LCTRL, KMOD_LCTRL}, alt{SDL_SCANCODE_LALT, SDLK_LALT, KMOD_LALT};
  std::vector<Key> keys;
  switch (action) {
    case MenuAction::send_ctrl_alt_del: keys = {ctrl, alt, {SDL_SCANCODE_DELETE, SDLK_DELETE, 0}}; break;
    case MenuAction::send_alt_tab: keys = {alt, {SDL_SCANCODE_TAB, SDLK_TAB, 0}}; break;
    case MenuAction::send_super: keys = {{SDL_SCANCODE_LGUI, SDLK_LGUI, KMOD_LGUI}}; break;
    case MenuAction::send_print: keys = {{SDL_SCANCODE_PRINTSCREEN, SDLK_PRINTSCREEN, 0}}; break;
    default: return {};
  }
  std::vector<protocol::Message> out;
  Uint16 mod = 0;  // as the InputMapper would report it: the state before each event
  const auto event = [&](const Key& k, bool down) {
    out.emplace_back(protocol::KeyEvent{usb_from_sdl_scancode(k.scancode), keysym_from_sdl(k.keycode, 0), down,
                                        key_state_from_sdl(mod)});
  };
  for (const Key& k : keys) {
    event(k, true);
    mod = static_cast<Uint16>(mod | k.mod);
  }
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
    mod = static_cast<Uint16>(mod & ~k->mod);
    event(*k, false);
  }
  return out;
}

}  // namespace elfdesk::client
