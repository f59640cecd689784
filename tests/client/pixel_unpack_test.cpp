// client::unpack: PixelUpdates in both formats become BGRA pixels; corrupt palette data is refused with
// `malformed` instead of reading past the palette or the data.
#include <doctest/doctest.h>

#include <string>

#include "client/decode/picture_update.hpp"
#include "common/zstd_codec.hpp"

using namespace elfdesk;
namespace p = elfdesk::protocol;

namespace {

// A 4x2 screen with rectangles of 2x1 and 1x2 pixels (4 pixels) holding `data` in `format`.
p::PixelUpdate update_of(p::PixelFormat format, const std::vector<std::uint8_t>& data) {
  p::PixelUpdate u;
  u.width = 4;
  u.height = 2;
  u.rects = {{0, 0, 2, 1}, {3, 0, 1, 2}};
  u.format = format;
  u.raw_size = static_cast<std::uint32_t>(data.size());
  u.bgra_zstd = zstd_compress(data, 1);
  return u;
}

// Count, colours (BGRA), indices.
std::vector<std::uint8_t> palette_data(std::uint16_t count, const std::vector<std::uint8_t>& colours,
                                       const std::vector<std::uint8_t>& indices) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count)};
  out.insert(out.end(), colours.begin(), colours.end());
  out.insert(out.end(), indices.begin(), indices.end());
  return out;
}

std::string malformed_detail(const p::PixelUpdate& u) {
  auto out = client::unpack(u);
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == ErrorCode::malformed);
  return out.error().detail;
}

}  // namespace

TEST_CASE("unpack expands a palette to exact BGRA pixels, and passes BGRA through") {
  const std::vector<std::uint8_t> colours{1, 2, 3, 255, 10, 20, 30, 0, 200, 100, 50, 128};
  auto shown = client::unpack(update_of(p::PixelFormat::palette, palette_data(3, colours, {2, 0, 1, 2})));
  REQUIRE(shown.has_value());
  CHECK(shown->width == 4);
  CHECK(shown->rects == std::vector<Rect>{Rect{0, 0, 2, 1}, Rect{3, 0, 1, 2}});
  CHECK(shown->bgra == std::vector<std::uint8_t>{200, 100, 50, 128, 1, 2, 3, 255, 10, 20, 30, 0, 200, 100, 50, 128});

  std::vector<std::uint8_t> bgra(16);
  for (std::size_t i = 0; i < bgra.size(); ++i) bgra[i] = static_cast<std::uint8_t>(i * 7);
  auto same = client::unpack(update_of(p::PixelFormat::bgra, bgra));
  REQUIRE(same.has_value());
  CHECK(same->bgra == bgra);
}

TEST_CASE("unpack refuses palettes of 0 or more than 256 colours, wrong sizes and indices beyond the palette") {
  const std::vector<std::uint8_t> two{1, 1, 1, 255, 2, 2, 2, 255};
  // unpack checks these itself, not relying on the codec's range check of raw_size.
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(0, two, {0, 0, 0, 0}))).find("0 colours") !=
        std::string::npos);
  const std::vector<std::uint8_t> many(4 * 257, 9);
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(257, many, {0, 0, 0, 0})))
            .find("257 colours") != std::string::npos);
  // The count says 3 colours, the data holds 2 (and one pixel more): sizes disagree.
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(3, two, {0, 1, 0, 1, 0}))).find("bytes") !=
        std::string::npos);
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(1, two, {0, 0, 0}))).find("bytes") !=
        std::string::npos);
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(2, two, {0, 1, 2, 0}))).find("index 2") !=
        std::string::npos);
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, palette_data(2, two, {0, 1, 0, 255}))).find("index 255") !=
        std::string::npos);
  CHECK(malformed_detail(update_of(p::PixelFormat::palette, {0})).find("count") != std::string::npos);
  // Data that does not decompress to the announced size, and a format this viewer does not know.
  auto short_data = update_of(p::PixelFormat::palette, palette_data(2, two, {0, 1, 0, 1}));
  short_data.raw_size += 4;
  CHECK(malformed_detail(short_data).find("instead of") != std::string::npos);
  CHECK(malformed_detail(update_of(static_cast<p::PixelFormat>(7), std::vector<std::uint8_t>(16)))
            .find("format 7") != std::string::npos);
}

TEST_CASE("unpack of a PixelPatch: raw or compressed data, bits packed most significant first, bad indices refused") {
  p::PixelPatch patch;
  patch.width = 4;
  patch.height = 2;
  patch.rects = {{0, 0, 2, 1}, {3, 0, 1, 2}};  // 4 pixels
  patch.format = p::PixelFormat::bits;
  // 3 colours: 2 bits per pixel; indices 2, 0, 1, 2 -> 10 00 01 10 = 0x86.
  const std::vector<std::uint8_t> colours{1, 2, 3, 255, 10, 20, 30, 0, 200, 100, 50, 128};
  std::vector<std::uint8_t> data{3};
  data.insert(data.end(), colours.begin(), colours.end());
  data.push_back(0x86);
  patch.raw_size = static_cast<std::uint32_t>(data.size());
  const std::vector<std::uint8_t> expected{200, 100, 50, 128, 1, 2, 3, 255, 10, 20, 30, 0, 200, 100, 50, 128};
  for (bool compressed : {false, true}) {
    CAPTURE(compressed);
    patch.compressed = compressed;
    patch.data = compressed ? zstd_compress(data, 1) : data;
    auto shown = client::unpack(patch);
    REQUIRE(shown.has_value());
    CHECK(shown->rects == std::vector<Rect>{Rect{0, 0, 2, 1}, Rect{3, 0, 1, 2}});
    CHECK(shown->bgra == expected);
  }
  // One colour: no index bits at all.
  patch.compressed = false;
  patch.data = {1, 9, 8, 7, 255};
  patch.raw_size = 5;
  auto flat = client::unpack(patch);
  REQUIRE(flat.has_value());
  CHECK(flat->bgra == std::vector<std::uint8_t>{9, 8, 7, 255, 9, 8, 7, 255, 9, 8, 7, 255, 9, 8, 7, 255});
  // Index 3 of 3 colours, a size that does not match the count, 17 colours, data shorter than announced.
  auto bad = data;
  bad.back() = 0x87;  // last pixel's index 3
  patch.data = bad;
  patch.raw_size = static_cast<std::uint32_t>(bad.size());
  auto refused = client::unpack(patch);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::malformed);
  for (std::vector<std::uint8_t> wrong : {std::vector<std::uint8_t>(data.begin(), data.end() - 1),
                                          std::vector<std::uint8_t>{17}}) {
    patch.data = wrong;
    patch.raw_size = static_cast<std::uint32_t>(wrong.size());
    auto out = client::unpack(patch);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ErrorCode::malformed);
  }
  patch.data = data;
  patch.raw_size = static_cast<std::uint32_t>(data.size() + 1);
  CHECK_FALSE(client::unpack(patch).has_value());
}
