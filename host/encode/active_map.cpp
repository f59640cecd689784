#include "host/encode/active_map.hpp"

#include <algorithm>

namespace elfdesk::host {

std::size_t ActiveMap::active_count() const {
  return static_cast<std::size_t>(std::count(cells.begin(), cells.end(), std::uint8_t{1}));
}

ActiveMap build_active_map(const std::vector<Rect>& dirty, int width, int height) {
  ActiveMap map;
  map.cols = (width + kMacroblockSize - 1) / kMacroblockSize;
  map.rows = (height + kMacroblockSize - 1) / kMacroblockSize;
  map.cells.assign(static_cast<std::size_t>(map.cols) * static_cast<std::size_t>(map.rows), 0);
  for (const Rect& r : dirty) {
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.width, width), y1 = std::min(r.y + r.height, height);
    if (x1 <= x0 || y1 <= y0) continue;
    for (int row = y0 / kMacroblockSize; row <= (y1 - 1) / kMacroblockSize; ++row) {
      auto* line = map.cells.data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(map.cols);
      std::fill(line + x0 / kMacroblockSize, line + (x1 - 1) / kMacroblockSize + 1, std::uint8_t{1});
    }
  }
  return map;
}

}  // namespace elfdesk::host
