// The viewer's copy of the remote screen in BGRA, kept up to date from decoded I420 pictures by
// converting only the 16x16 blocks that differ from the previous picture, and naming them, so the window
// redraws just those. Pure (no SDL, no X); used on the main thread; owns its pixels.
#pragma once
#include <vector>

#include "common/image.hpp"

namespace elfdesk::client {

// The 16x16 blocks (clipped at the right and bottom edges) whose Y, U or V samples differ between two
// pictures of the same size, merged into rectangles: runs along each block row, then rows of equal runs.
std::vector<Rect> changed_blocks(const I420Image& before, const I420Image& after);

class RemotePicture {
 public:
  // Takes a new picture and returns the areas (remote pixels) that changed: the whole picture for the
  // first one or after a size change, nothing when it is identical to the previous one.
  std::vector<Rect> update(const I420Image& image);

  const BgraImage& pixels() const { return pixels_; }
  int width() const { return pixels_.width; }
  int height() const { return pixels_.height; }

 private:
  void remember(const I420Image& image, const Rect& area);

  I420Image previous_;
  BgraImage pixels_;
};

}  // namespace elfdesk::client
