// The viewer's copy of the remote screen in BGRA, composed in order from decoded VP8 pictures (taken
// only where each frame was coded) and exact pixel rectangles. Names the areas each update wrote, so the
// window redraws just those. Pure (no SDL, no X); one thread at a time; owns its pixels.
#pragma once
#include <expected>
#include <span>
#include <vector>

#include "client/decode/picture_update.hpp"
#include "common/image.hpp"
#include "protocol/error.hpp"

namespace elfdesk::client {

class RemotePicture {
 public:
  // Moves `copies` (in order; any not inside the picture is skipped), then converts `image` inside `coded`
  // (clipped to the picture; empty: everywhere) and returns the areas written. A new size starts a new
  // picture, converted whole (copies are meaningless then).
  std::vector<Rect> apply(const I420Image& image, std::span<const Rect> coded = {},
                          std::span<const PictureCopy> copies = {});
  // Moves `update.copies`, then copies exact pixels in. Fails, changing nothing, when no picture of that
  // size exists yet (the next keyframe brings one) or the data does not match the rectangles.
  std::expected<std::vector<Rect>, Error> apply(const PixelsUpdate& update);
  // Either kind, as it came from the PictureReceiver.
  std::expected<std::vector<Rect>, Error> apply(const PictureUpdate& update);

  const BgraImage& pixels() const { return pixels_; }
  int width() const { return pixels_.width; }
  int height() const { return pixels_.height; }

 private:
  bool copy(const PictureCopy& c);

  BgraImage pixels_;
};

}  // namespace elfdesk::client
