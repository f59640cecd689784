// The viewer's menu (F8 or the button at the top right): which items there are for the session as it
// stands, and the key combinations it sends to the host. Pure data (no SDL, no network), main thread;
// ViewerWindow draws the items and carries out what was chosen.
#pragma once
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace elfdesk::client {

enum class MenuAction {
  send_ctrl_alt_del, send_alt_tab, send_super, send_print, keyboard_grab, monitor, scale_mode, fullscreen,
  statistics, diagnostics, chat, status, end_session, none,
};

struct MenuItem {
  std::string label;
  MenuAction action = MenuAction::none;
  int monitor = -1;     // MenuAction::monitor: the index to select (-1: all)
  bool enabled = true;  // shown greyed and not chosen when false
};

// What the items say and whether they can be chosen.
struct MenuContext {
  bool control = false;  // the customer granted keyboard and mouse: key combinations can be sent
  bool probes = false;   // triage can run
  bool grabbed = false, one_to_one = false, fullscreen = false, stats = false;
  const protocol::MonitorList* monitors = nullptr;  // the host's newest list (may be empty)
};

std::vector<MenuItem> build_menu(const MenuContext& context);

// The selection moved by `delta` rows from `from`, skipping disabled items and wrapping; -1 if none is enabled.
int move_selection(const std::vector<MenuItem>& items, int from, int delta);

// Key down then up events (modifiers first, released in reverse) for the menu's key combinations.
std::vector<protocol::Message> key_combination(MenuAction action);

}  // namespace elfdesk::client
