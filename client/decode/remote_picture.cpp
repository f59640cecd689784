#include "client/decode/remote_picture.hpp"

#include <cstring>
#include <string>
#include <utility>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {

std::vector<Rect> RemotePicture::apply(const I420Image& image, std::span<const Rect> coded,
                                       std::span<const PictureCopy> copies) {
  const Rect whole{0, 0, image.width, image.height};
  if (image.width != pixels_.width || image.height != pixels_.height) {
    pixels_ = BgraImage::make(image.width, image.height);
    coded = {};
    copies = {};
  }
  std::vector<Rect> moved, converted;
  for (const PictureCopy& c : copies)
    if (copy(c)) moved.push_back(Rect{c.to_x, c.to_y, c.source.width, c.source.height});
  if (coded.empty()) {
    converted = {whole};
  } else {
    for (const Rect& r : coded)
      if (const Rect clipped = media::align_rect(r, 1, image.width, image.height); !clipped.empty())
        converted.push_back(clipped);
  }
  for (const Rect& r : converted) media::i420_to_bgra_area(image, r, pixels_);
  std::vector<Rect> written = std::move(moved);
  written.insert(written.end(), converted.begin(), converted.end());
  return written;
}

std::expected<std::vector<Rect>, Error> RemotePicture::apply(const PictureUpdate& update) {
  if (const auto* video = std::get_if<VideoUpdate>(&update.content)) return apply(video->image, video->coded, video->copies);
  return apply(std::get<PixelsUpdate>(update.content));
}

bool RemotePicture::copy(const PictureCopy& c) {
  const Rect& s = c.source;
  const auto inside = [&](int x, int y) {
    return !s.empty() && x >= 0 && y >= 0 && x + s.width <= pixels_.width && y + s.height <= pixels_.height;
  };
  if (!inside(s.x, s.y) || !inside(c.to_x, c.to_y)) return false;
  const auto bytes = static_cast<std::size_t>(s.width) * 4;
  const auto move_row = [&](int row) {
    std::memmove(pixels_.row(c.to_y + row) + static_cast<std::size_t>(c.to_x) * 4,
                 pixels_.row(s.y + row) + static_cast<std::size_t>(s.x) * 4, bytes);
  };
  // Overlapping areas: moving up, copy from the top; moving down, from the bottom.
  if (c.to_y <= s.y) {
    for (int row = 0; row < s.height; ++row) move_row(row);
  } else {
    for (int row = s.height - 1; row >= 0; --row) move_row(row);
  }
  return true;
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
  std::vector<Rect> written;
  for (const PictureCopy& c : update.copies)
    if (copy(c)) written.push_back(Rect{c.to_x, c.to_y, c.source.width, c.source.height});
  const std::uint8_t* in = update.bgra.data();
  for (const Rect& r : update.rects) {
    const auto row_bytes = static_cast<std::size_t>(r.width) * 4;
    for (int y = r.y; y < r.y + r.height; ++y, in += row_bytes)
      std::memcpy(pixels_.row(y) + static_cast<std::size_t>(r.x) * 4, in, row_bytes);
  }
  written.insert(written.end(), update.rects.begin(), update.rects.end());
  return written;
}

}  // namespace elfdesk::client
