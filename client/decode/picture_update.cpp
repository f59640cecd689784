#include "client/decode/picture_update.hpp"

#include <cstring>
#include <string>

#include "common/zstd_codec.hpp"

namespace elfdesk::client {

namespace {

Error malformed(std::string detail) { return make_error(ErrorCode::malformed, std::move(detail)); }

// Palette data (see protocol::PixelFormat) to 4 bytes per pixel; `area` is the rectangles' pixel count.
std::expected<std::vector<std::uint8_t>, Error> expand_palette(const std::vector<std::uint8_t>& data,
                                                               std::size_t area) {
  if (data.size() < 2) return std::unexpected(malformed("palette pixel update without a colour count"));
  const std::size_t n = std::size_t{data[0]} << 8 | data[1];
  if (n == 0 || n > 256)
    return std::unexpected(malformed("palette pixel update with " + std::to_string(n) + " colours (1..256)"));
  if (data.size() != 2 + 4 * n + area)
    return std::unexpected(malformed("palette pixel update of " + std::to_string(data.size()) + " bytes for " +
                                     std::to_string(n) + " colours and " + std::to_string(area) + " pixels"));
  const std::uint8_t* colours = data.data() + 2;
  const std::uint8_t* indices = colours + 4 * n;
  std::vector<std::uint8_t> bgra(area * 4);
  for (std::size_t i = 0; i < area; ++i) {
    if (indices[i] >= n)
      return std::unexpected(malformed("palette index " + std::to_string(indices[i]) + " of pixel " +
                                       std::to_string(i) + " beyond the " + std::to_string(n) + " colours"));
    std::memcpy(bgra.data() + 4 * i, colours + 4 * std::size_t{indices[i]}, 4);
  }
  return bgra;
}

}  // namespace

std::vector<Rect> to_rects(const std::vector<protocol::ScreenRect>& rects) {
  std::vector<Rect> out;
  out.reserve(rects.size());
  for (const auto& r : rects) out.push_back(Rect{r.x, r.y, r.width, r.height});
  return out;
}

std::vector<PictureCopy> to_copies(const std::vector<protocol::ScreenCopy>& copies) {
  std::vector<PictureCopy> out;
  out.reserve(copies.size());
  for (const auto& c : copies)
    out.push_back(PictureCopy{Rect{c.source.x, c.source.y, c.source.width, c.source.height}, c.to_x, c.to_y});
  return out;
}

std::expected<PixelsUpdate, Error> unpack(const protocol::PixelUpdate& update) {
  auto data = zstd_decompress(update.bgra_zstd, update.raw_size);
  if (!data) return std::unexpected(data.error());
  if (data->size() != update.raw_size)
    return std::unexpected(malformed("pixel update holds " + std::to_string(data->size()) + " bytes instead of " +
                                     std::to_string(update.raw_size)));
  PixelsUpdate out{update.width, update.height, to_rects(update.rects), {}, to_copies(update.copies)};
  switch (update.format) {
    case protocol::PixelFormat::bgra: out.bgra = std::move(*data); return out;
    case protocol::PixelFormat::palette: {
      std::size_t area = 0;
      for (const Rect& r : out.rects) area += static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height);
      auto bgra = expand_palette(*data, area);
      if (!bgra) return std::unexpected(bgra.error());
      out.bgra = std::move(*bgra);
      return out;
    }
  }
  return std::unexpected(malformed("pixel format " + std::to_string(static_cast<int>(update.format)) +
                                   " is not known"));
}

}  // namespace elfdesk::client
