#include <doctest/doctest.h>

#include <algorithm>
#include <libyuv.h>

#include "client/decode/video_decoder.hpp"
#include "client/decode/remote_picture.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using client::PixelsUpdate;
using client::RemotePicture;

namespace {

I420Image text_picture(int w, int h, std::uint32_t seed = 3) { return media::bgra_to_i420(test::text_image(w, h, seed)); }

}  // namespace

TEST_CASE("RemotePicture takes a picture whole first, then only inside the coded areas") {
  RemotePicture picture;
  const I420Image a = text_picture(96, 64);
  CHECK(picture.apply(a, std::vector<Rect>{Rect{0, 0, 16, 16}}) == std::vector<Rect>{Rect{0, 0, 96, 64}});  // new size
  CHECK(media::psnr(picture.pixels(), media::i420_to_bgra(a)) >= 99.0);

  const I420Image b = text_picture(96, 64, 8);  // differs everywhere
  const std::vector<Rect> coded{Rect{16, 16, 32, 16}, Rect{80, 48, 32, 32}};  // the second crosses the edge
  CHECK(picture.apply(b, coded) == std::vector<Rect>{Rect{16, 16, 32, 16}, Rect{80, 48, 16, 16}});
  const BgraImage want_a = media::i420_to_bgra(a), want_b = media::i420_to_bgra(b);
  CHECK(media::psnr(picture.pixels(), want_b, Rect{16, 16, 32, 16}) >= 99.0);
  CHECK(media::psnr(picture.pixels(), want_b, Rect{80, 48, 16, 16}) >= 99.0);
  CHECK(media::psnr(picture.pixels(), want_a, Rect{0, 0, 96, 16}) >= 99.0);  // untouched
  CHECK(media::psnr(picture.pixels(), want_a, Rect{48, 16, 32, 16}) >= 99.0);
  CHECK(picture.apply(b) == std::vector<Rect>{Rect{0, 0, 96, 64}});  // no areas: everything
  CHECK(media::psnr(picture.pixels(), want_b) >= 99.0);
}

TEST_CASE("RemotePicture copies exact pixels in, and refuses pixels that do not fit") {
  RemotePicture picture;
  PixelsUpdate update{8, 4, {Rect{1, 1, 2, 2}, Rect{7, 3, 1, 1}}, {}};
  for (std::uint8_t i = 0; i < 20; ++i) update.bgra.push_back(i);
  CHECK_FALSE(picture.apply(update).has_value());  // no picture yet
  picture.apply(I420Image::make(8, 4));
  const BgraImage before = picture.pixels();
  REQUIRE(picture.apply(update).has_value());
  CHECK(picture.pixels().row(1)[4] == 0);
  CHECK(picture.pixels().row(1)[7] == 3);
  CHECK(picture.pixels().row(2)[4 * 2 + 3] == 15);
  CHECK(picture.pixels().row(3)[4 * 7] == 16);
  CHECK(picture.pixels().row(0)[0] == before.row(0)[0]);

  auto short_data = update;
  short_data.bgra.pop_back();
  auto wrong_screen = update;
  wrong_screen.width = 9;
  auto outside = update;
  outside.rects[1].x = 8;
  const BgraImage kept = picture.pixels();
  CHECK(picture.apply(short_data).error().code == ErrorCode::malformed);
  CHECK(picture.apply(wrong_screen).error().code == ErrorCode::invalid_argument);
  CHECK(picture.apply(outside).error().code == ErrorCode::malformed);
  CHECK(kept.pixels == picture.pixels().pixels);
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

PixelsUpdate pixels_of(const BgraImage& screen, const Rect& r) {
  PixelsUpdate u{screen.width, screen.height, {r}, {}};
  for (int y = r.y; y < r.y + r.height; ++y)
    u.bgra.insert(u.bgra.end(), screen.row(y) + static_cast<std::size_t>(r.x) * 4,
                  screen.row(y) + static_cast<std::size_t>(r.x + r.width) * 4);
  return u;
}

// What the viewer really gets from the host: VP8 frames coded only where the screen changed (active map),
// and small changes as exact pixels that the encoder never saw. Taking each decoded picture only inside
// its coded areas keeps the exact pixels; taking it whole would bring back the stale text there.
TEST_CASE("RemotePicture on real VP8 output interleaved with exact pixels shows the host's screen") {
  constexpr int kW = 640, kH = 360;
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{kW, kH, 4000, 30});
  REQUIRE(encoder.has_value());
  auto decoder = client::make_vp8_decoder();
  REQUIRE(decoder.has_value());
  std::uint64_t ts = 1;
  auto encode_decode = [&](const BgraImage& screen, std::vector<Rect> dirty, bool keyframe) {
    auto out = (*encoder)->encode(host::EncodeRequest{&screen, std::move(dirty), keyframe, false, ts += 33333});
    REQUIRE(out.has_value());
    REQUIRE(out->has_value());
    auto decoded = (*decoder)->decode((*out)->data, (*out)->keyframe);
    REQUIRE(decoded.has_value());
    return std::move(*decoded);
  };
  BgraImage screen = test::text_image(kW, kH, 21);
  RemotePicture picture;
  picture.apply(encode_decode(screen, {}, true));
  CHECK(media::psnr(picture.pixels(), screen) >= 35.0);

  const Rect typed{96, 160, 32, 16};  // sent as exact pixels
  test::draw_text(screen, typed, 7);
  REQUIRE(picture.apply(pixels_of(screen, typed)).has_value());
  const Rect moved{400, 64, 64, 48};  // then a VP8 frame elsewhere
  test::draw_noise(screen, moved, 9);
  const I420Image decoded = encode_decode(screen, {moved}, false);
  picture.apply(decoded, std::vector<Rect>{moved});
  CHECK(media::psnr(picture.pixels(), screen, typed) >= 99.0);  // still exact
  CHECK(media::psnr(picture.pixels(), screen, moved) >= 25.0);
  CHECK(media::psnr(picture.pixels(), screen) >= 35.0);
  CHECK(media::psnr(media::i420_to_bgra(decoded), screen, typed) < 25.0);  // the whole picture: stale there

  // A later VP8 frame that codes the typed area too brings the encoder up to date there.
  test::draw_text(screen, Rect{96, 176, 32, 16}, 8);
  picture.apply(encode_decode(screen, {Rect{96, 160, 32, 32}}, false), std::vector<Rect>{Rect{96, 160, 32, 32}});
  CHECK(media::psnr(picture.pixels(), screen, Rect{96, 160, 32, 32}) >= 30.0);
}
