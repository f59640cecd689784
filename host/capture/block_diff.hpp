// Confirms damage by comparing 16x16 blocks of a fresh grab against the last frame (as TigerVNC does):
// X damage is often coarse or spurious, and unchanged blocks must cost the encoder nothing.
// Pure functions on caller-owned buffers; used on the video thread.
#pragma once
#include <cstdint>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

inline constexpr int kDiffBlockSize = 16;

// Past this much candidate area at once a change is motion (a scroll, a drag, a video): the bounds inside
// its blocks are not searched, since only small pieces go as exact pixels and the planner finds theirs
// from the previous frame. Searching them all cost a full-screen 1080p scroll about 0.4 ms a frame
// (+0.02 cores in the bench) for bounds nobody used.
inline constexpr long kBoundsSearchArea = 256L * 256;

struct BlockChanges {
  std::vector<Rect> dirty;    // the changed blocks merged into rectangles (block-aligned, clipped)
  std::vector<Rect> changed;  // one per dirty: the smallest rectangle holding every pixel that differed;
                              // empty when the candidates covered more than kBoundsSearchArea
};

// Compares the blocks touched by `candidates` between `frame` and `grab` (same size as frame, BGRA with
// `grab_stride` bytes per row), copies what changed into `frame`, and returns the changed blocks with the
// bounds of what differed inside them, found in the same pass (up to kBoundsSearchArea of candidates).
BlockChanges update_changed_blocks(BgraImage& frame, const std::uint8_t* grab, int grab_stride,
                                   const std::vector<Rect>& candidates);

// Merges a row-major grid of flags (cols x rows, one per block) into few rectangles: horizontal runs,
// then runs with the same span in consecutive rows.
std::vector<Rect> merge_blocks(const std::vector<std::uint8_t>& flags, int cols, int rows, int block,
                               int width, int height);

// The smallest rectangle inside `area` that holds every pixel differing between `before` and `after`
// (same size), or an empty one when nothing there differs. Shrinks a block-aligned change to what really
// changed: a typed character is a few pixels of a 16x16 block.
Rect changed_bounds(const BgraImage& before, const BgraImage& after, const Rect& area);

// Copies all of `grab` into `frame` (the full-frame path).
void copy_full(BgraImage& frame, const std::uint8_t* grab, int grab_stride);

}  // namespace elfdesk::host
