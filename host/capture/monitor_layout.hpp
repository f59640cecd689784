// The host screen's monitors and which of them is shared: pure logic (no X), so the choice after a RandR
// change and the captured area can be tested without a display. Value types; any thread.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

struct Monitor {
  std::string name;  // RandR's name ("HDMI-1", a --setmonitor name); unique on one screen
  Rect area;         // root-window pixels
  bool primary = false;
  friend bool operator==(const Monitor&, const Monitor&) = default;
};

// What the capturer shares now: every monitor, the chosen one (-1: the whole screen) and the captured
// rectangle in root-window coordinates (input maps into it, pictures are taken from it).
struct MonitorLayout {
  std::vector<Monitor> monitors;
  int selected = -1;
  Rect area;
  friend bool operator==(const MonitorLayout&, const MonitorLayout&) = default;
};

// After the monitors changed from `before` to `after`: where the shown monitor `selected` is now. Found by
// name (RandR may reorder the list), else by the same rectangle; -1 (the whole screen) when it is gone or
// when the whole screen was shown.
int follow_selection(const std::vector<Monitor>& before, int selected, const std::vector<Monitor>& after);

// The rectangle monitor `index` covers on a screen of `width` x `height` (clipped to it), the whole screen
// for -1; nullopt when there is no such monitor or it lies outside the screen.
std::optional<Rect> monitor_area(const std::vector<Monitor>& monitors, int index, int width, int height);

// For people and the audit log: "1 HDMI-1 2560x1440", or "all 5120x1440" for the whole screen.
std::string describe_choice(const MonitorLayout& layout);

}  // namespace elfdesk::host
