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

// Bits data (see protocol::PixelFormat) to 4 bytes per pixel; the codec checked its size for `area`.
std::expected<std::vector<std::uint8_t>, Error> expand_bits(const std::vector<std::uint8_t>& data, std::size_t area) {
  const std::size_t n = data.empty() ? 0 : data[0];
  if (n == 0 || n > 16) return std::unexpected(malformed("bits pixel update with " + std::to_string(n) + " colours"));
  const std::size_t bits = n == 1 ? 0 : n == 2 ? 1 : n <= 4 ? 2 : 4;
  if (data.size() != 1 + 4 * n + (area * bits + 7) / 8)
    return std::unexpected(malformed("bits pixel update of " + std::to_string(data.size()) + " bytes for " +
                                     std::to_string(n) + " colours and " + std::to_string(area) + " pixels"));
  const std::uint8_t* colours = data.data() + 1;
  const std::uint8_t* packed = colours + 4 * n;
  const unsigned mask = (1u << bits) - 1;
  std::vector<std::uint8_t> bgra(area * 4);
  for (std::size_t i = 0, bit = 0; i < area; ++i, bit += bits) {
    const std::size_t index = bits == 0 ? 0 : (packed[bit / 8] >> (8 - bits - bit % 8)) & mask;
    if (index >= n)
      return std::unexpected(malformed("bits index " + std::to_string(index) + " beyond the " + std::to_string(n) +
                                       " colours"));
    std::memcpy(bgra.data() + 4 * i, colours + 4 * index, 4);
  }
  return bgra;
}

// The pixels of an update's data (decompressed, raw_size bytes) in `format`, as BGRA.
std::expected<PixelsUpdate, Error> expand(PixelsUpdate out, protocol::PixelFormat format,
                                          std::vector<std::uint8_t> data) {
  std::size_t area = 0;
  for (const Rect& r : out.rects) area += static_cast<std::size_t>(r.width) * static_cast<std::size_t>(r.height);
  std::expected<std::vector<std::uint8_t>, Error> bgra = std::move(data);
  switch (format) {
    case protocol::PixelFormat::bgra: break;
    case protocol::PixelFormat::palette: bgra = expand_palette(*bgra, area); break;
    case protocol::PixelFormat::bits: bgra = expand_bits(*bgra, area); break;
    default:
      return std::unexpected(malformed("pixel format " + std::to_string(static_cast<int>(format)) + " is not known"));
  }
  if (!bgra) return std::unexpected(bgra.error());
  out.bgra = std::move(*bgra);
  return out;
}

std::expected<std::vector<std::uint8_t>, Error> decompressed(const std::vector<std::uint8_t>& data, std::uint32_t size) {
  auto out = zstd_decompress(data, size);
  if (!out) return std::unexpected(out.error());
  if (out->size() != size)
    return std::unexpected(malformed("pixel update holds " + std::to_string(out->size()) + " bytes instead of " +
                                     std::to_string(size)));
  return out;
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
  if (update.format == protocol::PixelFormat::bits)  // PixelPatch only: the codec refuses it here anyway
    return std::unexpected(malformed("pixel format 3 is not known"));
  auto data = decompressed(update.bgra_zstd, update.raw_size);
  if (!data) return std::unexpected(data.error());
  return expand(PixelsUpdate{update.width, update.height, to_rects(update.rects), {}, to_copies(update.copies)},
                update.format, std::move(*data));
}

std::expected<PixelsUpdate, Error> unpack(const protocol::PixelPatch& patch) {
  std::expected<std::vector<std::uint8_t>, Error> data = patch.data;
  if (patch.compressed) data = decompressed(patch.data, patch.raw_size);
  if (!data) return std::unexpected(data.error());
  if (data->size() != patch.raw_size)
    return std::unexpected(malformed("pixel patch holds " + std::to_string(data->size()) + " bytes instead of " +
                                     std::to_string(patch.raw_size)));
  return expand(PixelsUpdate{patch.width, patch.height, to_rects(patch.rects), {}, to_copies(patch.copies)},
                patch.format, std::move(*data));
}

}  // namespace elfdesk::client
