// Builds a VP8 active map (one byte per 16x16 macroblock, 1 = encode) from dirty rectangles.
// Pure function; any thread.
#pragma once
#include <cstdint>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

inline constexpr int kMacroblockSize = 16;

struct ActiveMap {
  int cols = 0;
  int rows = 0;
  std::vector<std::uint8_t> cells;  // rows * cols, row-major
  std::size_t active_count() const;
};

// Marks every macroblock that a (clipped) rectangle touches.
ActiveMap build_active_map(const std::vector<Rect>& dirty, int width, int height);

}  // namespace elfdesk::host
