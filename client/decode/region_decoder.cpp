#include "client/decode/region_decoder.hpp"

#include <cstring>
#include <string>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {

namespace {

// An update of `rects` whose pixels are read from `picture` (screen coordinates less `origin`).
PixelsUpdate take_areas(std::uint16_t width, std::uint16_t height, const std::vector<protocol::ScreenRect>& coded,
                        const std::vector<protocol::ScreenCopy>& copies, const BgraImage& picture, int origin_x,
                        int origin_y) {
  PixelsUpdate update{width, height, to_rects(coded), {}, to_copies(copies)};
  std::size_t bytes = 0;
  for (const Rect& r : update.rects) bytes += static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * 4;
  update.bgra.resize(bytes);
  std::uint8_t* out = update.bgra.data();
  for (const Rect& r : update.rects) {
    const auto row_bytes = static_cast<std::size_t>(r.width) * 4;
    for (int y = r.y; y < r.y + r.height; ++y, out += row_bytes)
      std::memcpy(out, picture.row(y - origin_y) + static_cast<std::size_t>(r.x - origin_x) * 4, row_bytes);
  }
  return update;
}

}  // namespace

std::expected<I420Image, Error> RegionDecoder::decode_picture(const protocol::Bytes& data, bool keyframe,
                                                              std::uint32_t generation, int width, int height) {
  if (keyframe && (!decoder_ || generation != generation_)) {
    auto made = make_vp8_decoder();
    if (!made) return std::unexpected(made.error());
    decoder_ = std::move(*made);
    generation_ = generation;
  }
  if (!decoder_ || generation != generation_)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "frame of generation " +
                                                                       std::to_string(generation) +
                                                                       " without its keyframe"));
  auto image = decoder_->decode(data, keyframe);
  if (!image) return std::unexpected(image.error());
  if (image->width != width || image->height != height) {
    decoder_.reset();  // a broken stream: nothing more until the next generation's keyframe
    return std::unexpected(make_error(ErrorCode::malformed, "frame of " + std::to_string(image->width) + "x" +
                                                                std::to_string(image->height) + " for a picture of " +
                                                                std::to_string(width) + "x" + std::to_string(height)));
  }
  if (scratch_.width != width || scratch_.height != height) scratch_ = BgraImage::make(width, height);
  return image;
}

std::expected<PixelsUpdate, Error> RegionDecoder::decode(const protocol::RegionFrame& frame) {
  const Rect region{frame.region.x, frame.region.y, frame.region.width, frame.region.height};
  auto image = decode_picture(frame.data, frame.keyframe, frame.generation, region.width, region.height);
  if (!image) return std::unexpected(image.error());
  // The codec checked that every coded area lies inside the region.
  for (const Rect& r : to_rects(frame.coded))
    media::i420_to_bgra_area(*image, Rect{r.x - region.x, r.y - region.y, r.width, r.height}, scratch_);
  return take_areas(frame.width, frame.height, frame.coded, frame.copies, scratch_, region.x, region.y);
}

// Each coded area is scaled up from the scaled picture under it, which the host coded with a margin for
// the bilinear filter (media::scaled_cover); converting that margin too keeps every scaled pixel read
// from this frame.
std::expected<PixelsUpdate, Error> RegionDecoder::decode(const protocol::ScaledFrame& frame) {
  const int k = frame.scale;  // the codec checked its range
  const int w = media::scaled_dimension(frame.width, k), h = media::scaled_dimension(frame.height, k);
  auto image = decode_picture(frame.data, frame.keyframe, frame.generation, w, h);
  if (!image) return std::unexpected(image.error());
  if (scaled_up_.width != frame.width || scaled_up_.height != frame.height)
    scaled_up_ = BgraImage::make(frame.width, frame.height);
  for (const Rect& r : to_rects(frame.coded)) {
    media::i420_to_bgra_area(*image, media::scaled_cover(r, k, w, h), scratch_);
    media::scale_bgra_clip(scratch_, scaled_up_.pixels.data(), scaled_up_.stride, frame.width, frame.height, r);
  }
  return take_areas(frame.width, frame.height, frame.coded, frame.copies, scaled_up_, 0, 0);
}

}  // namespace elfdesk::client
