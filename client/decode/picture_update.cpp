#include "client/decode/picture_update.hpp"

#include <string>

#include "common/zstd_codec.hpp"

namespace elfdesk::client {

std::vector<Rect> to_rects(const std::vector<protocol::ScreenRect>& rects) {
  std::vector<Rect> out;
  out.reserve(rects.size());
  for (const auto& r : rects) out.push_back(Rect{r.x, r.y, r.width, r.height});
  return out;
}

std::expected<PixelsUpdate, Error> unpack(const protocol::PixelUpdate& update) {
  auto bgra = zstd_decompress(update.bgra_zstd, update.raw_size);
  if (!bgra) return std::unexpected(bgra.error());
  if (bgra->size() != update.raw_size)
    return std::unexpected(make_error(ErrorCode::malformed, "pixel update holds " + std::to_string(bgra->size()) +
                                                                " bytes instead of " + std::to_string(update.raw_size)));
  return PixelsUpdate{update.width, update.height, to_rects(update.rects), std::move(*bgra)};
}

}  // namespace elfdesk::client
