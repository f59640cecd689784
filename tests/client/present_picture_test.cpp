#include <doctest/doctest.h>

#include <algorithm>
#include <libyuv.h>

#include "client/decode/video_decoder.hpp"
#include "client/present/remote_picture.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using client::changed_blocks;
using client::RemotePicture;

namespace {

I420Image text_picture(int w, int h, std::uint32_t seed = 3) { return media::bgra_to_i420(test::text_image(w, h, seed)); }

void poke_luma(I420Image& img, int x, int y) { img.y[static_cast<std::size_t>(y) * img.width + x] ^= 0x40; }

bool contains(const Rect& outer, const Rect& inner) {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width &&
         inner.y + inner.height <= outer.y + outer.height;
}

long area(const std::vector<Rect>& rects) {
  long sum = 0;
  for (const Rect& r : rects) sum += static_cast<long>(r.width) * r.height;
  return sum;
}

}  // namespace

TEST_CASE("changed_blocks names exactly the 16x16 blocks that differ") {
  const I420Image a = text_picture(100, 50);
  I420Image b = a;
  CHECK(changed_blocks(a, b).empty());

  poke_luma(b, 37, 20);
  CHECK(changed_blocks(a, b) == std::vector<Rect>{Rect{32, 16, 16, 16}});

  poke_luma(b, 99, 49);  // bottom-right block is clipped to the picture: 100x50 -> 4x2 px
  CHECK(changed_blocks(a, b) == std::vector<Rect>{Rect{32, 16, 16, 16}, Rect{96, 48, 4, 2}});

  I420Image c = a;  // a chroma-only change counts too
  c.v[static_cast<std::size_t>(10 * c.chroma_width() + 30)] ^= 0x10;  // chroma (30,10) = luma (60,20)
  CHECK(changed_blocks(a, c) == std::vector<Rect>{Rect{48, 16, 16, 16}});
}

TEST_CASE("changed_blocks merges runs along a row and equal runs down the rows") {
  const I420Image a = text_picture(128, 64);
  I420Image b = a;
  for (int y = 0; y < 48; y += 16)
    for (int x = 16; x < 64; x += 16) poke_luma(b, x + 3, y + 5);  // a 3x3 block square at (16,0)
  poke_luma(b, 100, 60);                                          // and a lone block
  const auto rects = changed_blocks(a, b);
  REQUIRE(rects.size() == 2);
  CHECK(std::find(rects.begin(), rects.end(), Rect{16, 0, 48, 48}) != rects.end());
  CHECK(std::find(rects.begin(), rects.end(), Rect{96, 48, 16, 16}) != rects.end());

  // Scattered changes everywhere collapse into one bounding rectangle.
  I420Image c = a;
  for (int y = 0; y < 64; y += 16)
    for (int x = 0; x < 128; x += 32) poke_luma(c, x + (y / 16) * 16 % 32, y);
  const auto many = changed_blocks(a, c);
  CHECK(area(many) >= 32 * 16);
  for (const Rect& r : many) CHECK(contains(Rect{0, 0, 128, 64}, r));
}

TEST_CASE("RemotePicture converts the first picture whole and later only what changed") {
  RemotePicture picture;
  I420Image a = text_picture(96, 64);
  CHECK(picture.update(a) == std::vector<Rect>{Rect{0, 0, 96, 64}});
  CHECK(media::psnr(picture.pixels(), media::i420_to_bgra(a)) >= 99.0);
  CHECK(picture.update(a).empty());

  I420Image b = a;
  for (int y = 20; y < 30; ++y)
    for (int x = 40; x < 50; ++x) b.y[static_cast<std::size_t>(y) * 96 + x] = 16;  // a black patch
  CHECK(picture.update(b) == std::vector<Rect>{Rect{32, 16, 32, 16}});
  CHECK(media::psnr(picture.pixels(), media::i420_to_bgra(b)) >= 99.0);  // identical to a full conversion
  CHECK(picture.update(b).empty());  // the previous picture was updated too

  const I420Image bigger = text_picture(128, 64, 9);  // a size change converts everything again
  CHECK(picture.update(bigger) == std::vector<Rect>{Rect{0, 0, 128, 64}});
  CHECK(picture.width() == 128);
  CHECK(media::psnr(picture.pixels(), media::i420_to_bgra(bigger)) >= 99.0);
}

TEST_CASE("i420_to_bgra_area converts only the area, identical to the whole conversion there") {
  const I420Image src = text_picture(101, 77);
  const BgraImage full = media::i420_to_bgra(src);
  BgraImage part = BgraImage::make(101, 77);  // all zero
  REQUIRE(media::i420_to_bgra_area(src, Rect{13, 9, 31, 21}, part));
  CHECK(media::psnr(part, full, Rect{12, 8, 32, 22}) >= 99.0);  // grown to even coordinates
  CHECK(part.row(7)[4 * 20] == 0);
  CHECK(part.row(30)[4 * 20] == 0);
  CHECK(part.row(20)[4 * 44] == 0);
  BgraImage wrong = BgraImage::make(100, 77);
  CHECK_FALSE(media::i420_to_bgra_area(src, Rect{0, 0, 10, 10}, wrong));
}

TEST_CASE("scale_bgra_clip writes only the clip, with the pixels of a whole scale") {
  const BgraImage src = test::text_image(320, 240, 5);
  for (const auto& [w, h] : {std::pair{480, 360}, std::pair{200, 150}}) {
    BgraImage whole = BgraImage::make(w, h);
    libyuv::ARGBScale(src.pixels.data(), src.stride, src.width, src.height, whole.pixels.data(), whole.stride, w, h,
                      libyuv::kFilterBilinear);
    BgraImage tiles = BgraImage::make(w, h);
    media::scale_bgra_clip(src, tiles.pixels.data(), tiles.stride, w, h, Rect{0, 0, w / 3, h});
    CHECK(tiles.row(h / 2)[4 * (w / 2)] == 0);  // right of the clip: untouched
    media::scale_bgra_clip(src, tiles.pixels.data(), tiles.stride, w, h, Rect{w / 3, 0, w, h / 2});
    media::scale_bgra_clip(src, tiles.pixels.data(), tiles.stride, w, h, Rect{w / 3, h / 2, w, h});
    CHECK(media::psnr(tiles, whole) >= 99.0);
  }
}

// What the viewer really gets: pictures decoded by libvpx from the host's encoder. A small change on the
// host must stay a small area in the viewer (no loop-filter ripple across the picture), and the shown
// picture must equal the decoder's output after every frame.
TEST_CASE("RemotePicture on real VP8 output: a typed character redraws a few blocks, not the screen") {
  constexpr int kW = 640, kH = 360;
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{kW, kH, 4000, 30});
  REQUIRE(encoder.has_value());
  auto decoder = client::make_vp8_decoder();
  REQUIRE(decoder.has_value());
  BgraImage screen = test::text_image(kW, kH, 21);
  RemotePicture picture;
  std::uint64_t ts = 1;
  for (int i = 0; i < 12; ++i) {
    const Rect typed{96 + 8 * i, 160, 8, 16};  // one glyph cell per frame, as when typing
    if (i > 0) test::draw_text(screen, typed, static_cast<std::uint32_t>(100 + i));
    auto out = (*encoder)->encode(host::EncodeRequest{&screen, {typed}, i == 0, false, ts += 33333});
    REQUIRE(out.has_value());
    REQUIRE(out->has_value());
    auto decoded = (*decoder)->decode((*out)->data, (*out)->keyframe);
    REQUIRE(decoded.has_value());
    const auto changed = picture.update(*decoded);
    if (i == 0) {
      CHECK(changed == std::vector<Rect>{Rect{0, 0, kW, kH}});
    } else {
      CHECK(area(changed) <= 4L * 16 * 16 * 4);  // the glyph's macroblocks and their neighbours
      for (const Rect& r : changed) CHECK(contains(Rect{48, 112, 8 * 12 + 112, 112}, r));
    }
    CHECK(media::psnr(picture.pixels(), media::i420_to_bgra(*decoded)) >= 99.0);
  }
}
