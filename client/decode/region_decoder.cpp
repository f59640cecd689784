#include "client/decode/region_decoder.hpp"

#include <cstring>
#include <string>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {

std::expected<PixelsUpdate, Error> RegionDecoder::decode(const protocol::RegionFrame& frame) {
  if (frame.keyframe && (!decoder_ || frame.generation != generation_)) {
    auto made = make_vp8_decoder();
    if (!made) return std::unexpected(made.error());
    decoder_ = std::move(*made);
    generation_ = frame.generation;
  }
  if (!decoder_ || frame.generation != generation_)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "region frame of generation " + std::to_string(frame.generation) +
                                          " without its keyframe"));
  auto image = decoder_->decode(frame.data, frame.keyframe);
  if (!image) return std::unexpected(image.error());
  const Rect region{frame.region.x, frame.region.y, frame.region.width, frame.region.height};
  if (image->width != region.width || image->height != region.height) {
    decoder_.reset();  // a broken stream: nothing more until the next generation's keyframe
    return std::unexpected(make_error(ErrorCode::malformed, "region frame does not match its region"));
  }
  if (scratch_.width != region.width || scratch_.height != region.height)
    scratch_ = BgraImage::make(region.width, region.height);
  PixelsUpdate update{frame.width, frame.height, to_rects(frame.coded), {}, to_copies(frame.copies)};
  std::size_t bytes = 0;
  for (const Rect& r : update.rects) bytes += static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height) * 4;
  update.bgra.resize(bytes);
  std::uint8_t* out = update.bgra.data();
  // The codec checked that every coded area lies inside the region.
  for (const Rect& r : update.rects) {
    const Rect local{r.x - region.x, r.y - region.y, r.width, r.height};
    media::i420_to_bgra_area(*image, local, scratch_);
    const auto row_bytes = static_cast<std::size_t>(r.width) * 4;
    for (int y = local.y; y < local.y + local.height; ++y, out += row_bytes)
      std::memcpy(out, scratch_.row(y) + static_cast<std::size_t>(local.x) * 4, row_bytes);
  }
  return update;
}

}  // namespace elfdesk::client
