#include "host/capture/monitor_layout.hpp"

#include <algorithm>

namespace elfdesk::host {

int follow_selection(const std::vector<Monitor>& before, int selected, const std::vector<Monitor>& after) {
  if (selected < 0 || selected >= static_cast<int>(before.size())) return -1;
  const Monitor& shown = before[static_cast<std::size_t>(selected)];
  const auto index_of = [&](auto&& same) {
    const auto it = std::find_if(after.begin(), after.end(), same);
    return it == after.end() ? -1 : static_cast<int>(it - after.begin());
  };
  if (!shown.name.empty()) {
    if (int i = index_of([&](const Monitor& m) { return m.name == shown.name; }); i >= 0) return i;
  }
  return index_of([&](const Monitor& m) { return m.name.empty() && m.area == shown.area; });
}

std::optional<Rect> monitor_area(const std::vector<Monitor>& monitors, int index, int width, int height) {
  if (index == -1) return Rect{0, 0, width, height};
  if (index < 0 || index >= static_cast<int>(monitors.size())) return std::nullopt;
  const Rect& m = monitors[static_cast<std::size_t>(index)].area;
  const int x0 = std::max(m.x, 0), y0 = std::max(m.y, 0);
  const int x1 = std::min(m.x + m.width, width), y1 = std::min(m.y + m.height, height);
  if (x1 <= x0 || y1 <= y0) return std::nullopt;
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

std::string describe_choice(const MonitorLayout& layout) {
  const std::string size = std::to_string(layout.area.width) + "x" + std::to_string(layout.area.height);
  if (layout.selected < 0 || layout.selected >= static_cast<int>(layout.monitors.size())) return "all " + size;
  const Monitor& m = layout.monitors[static_cast<std::size_t>(layout.selected)];
  return std::to_string(layout.selected) + " " + (m.name.empty() ? "screen" : m.name) + " " + size;
}

}  // namespace elfdesk::host
