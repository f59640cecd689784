#include "client/decode/remote_picture.hpp"

#include <cstring>
#include <string>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {

std::vector<Rect> RemotePicture::apply(const I420Image& image, std::span<const Rect> coded) {
  const Rect whole{0, 0, image.width, image.height};
  if (image.width != pixels_.width || image.height != pixels_.height) {
    pixels_ = BgraImage::make(image.width, image.height);
    coded = {};
  }
  std::vector<Rect> written;
  if (coded.empty()) {
    written.push_back(whole);
  } else {
    for (const Rect& r : coded)
      if (const Rect clipped = media::align_rect(r, 1, image.width, image.height); !clipped.empty())
        written.push_back(clipped);
  }
  for (const Rect& r : written) media::i420_to_bgra_area(image, r, pixels_);
  return written;
}

std::expected<std::vector<Rect>, Error> RemotePicture::apply(const PixelsUpdate& update) {
  if (update.width != pixels_.width || update.height != pixels_.height)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "pixels for a " + std::to_string(update.width) + "x" +
                                          std::to_string(update.height) + " screen, the picture is " +
                                          std::to_string(pixels_.width) + "x" + std::to_string(pixels_.height)));
  std::size_t needed = 0;
  for (const Rect& r : update.rects) {
    if (r.empty() || r.x < 0 || r.y < 0 || r.x + r.width > pixels_.width || r.y + r.height > pixels_.height)
      return std::unexpected(make_error(ErrorCode::malformed, "pixel rectangle outside the picture"));
    needed += static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * 4;
  }
  if (needed != update.bgra.size())
    return std::unexpected(make_error(ErrorCode::malformed, "pixel data does not match its rectangles"));
  const std::uint8_t* in = update.bgra.data();
  for (const Rect& r : update.rects) {
    const auto row_bytes = static_cast<std::size_t>(r.width) * 4;
    for (int y = r.y; y < r.y + r.height; ++y, in += row_bytes)
      std::memcpy(pixels_.row(y) + static_cast<std::size_t>(r.x) * 4, in, row_bytes);
  }
  return update.rects;
}

}  // namespace elfdesk::client
