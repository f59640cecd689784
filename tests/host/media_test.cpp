#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "common/media/colour_convert.hpp"
#include "common/media/png_io.hpp"
#include "common/media/psnr.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {
std::string temp_dir() {
  char tmpl[] = "/tmp/elfdesk-media-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}
}  // namespace

TEST_CASE("BGRA -> I420 -> BGRA round trip keeps quality, also for odd sizes") {
  for (auto [w, h] : {std::pair{64, 48}, std::pair{333, 201}, std::pair{1, 1}, std::pair{7, 3}}) {
    CAPTURE(w);
    CAPTURE(h);
    // Tiny images hold too few samples for a gradient to survive 4:2:0, so they get a flat colour.
    BgraImage src = test::gradient_image(w, h);
    if (w < 16) test::fill_rect(src, Rect{0, 0, w, h}, 0x3080c0);
    const I420Image yuv = media::bgra_to_i420(src);
    CHECK(yuv.width == w);
    CHECK(yuv.u.size() == static_cast<std::size_t>((w + 1) / 2) * ((h + 1) / 2));
    const BgraImage back = media::i420_to_bgra(yuv);
    REQUIRE(back.width == w);
    CHECK(media::psnr(src, back) > 35.0);
  }
  // Pure grey survives almost exactly (no chroma to lose).
  BgraImage grey = BgraImage::make(32, 32);
  test::fill_rect(grey, Rect{0, 0, 32, 32}, 0x808080);
  CHECK(media::psnr(grey, media::i420_to_bgra(media::bgra_to_i420(grey))) > 45.0);
}

TEST_CASE("X11 BGRA byte order maps red to red") {
  BgraImage red = BgraImage::make(16, 16);
  test::fill_rect(red, Rect{0, 0, 16, 16}, 0xff0000);  // bytes B=0, G=0, R=255
  const I420Image yuv = media::bgra_to_i420(red);
  CHECK(yuv.v[0] > 200);  // Cr high for red
  CHECK(yuv.u[0] < 128);
  const BgraImage back = media::i420_to_bgra(yuv);
  CHECK(back.row(5)[2] > 240);
  CHECK(back.row(5)[0] < 20);
}

TEST_CASE("area conversion matches full conversion inside and leaves the rest untouched") {
  const BgraImage src = test::text_image(101, 77, 3);
  const I420Image full = media::bgra_to_i420(src);
  I420Image part = I420Image::make(101, 77);  // all zero
  REQUIRE(media::bgra_to_i420_area(src, Rect{13, 9, 31, 21}, media::view_of(part)));
  // Grown to even coordinates: x 12..44, y 8..30.
  for (int y = 0; y < 77; ++y) {
    for (int x = 0; x < 101; ++x) {
      const bool inside = x >= 12 && x < 44 && y >= 8 && y < 30;
      const auto i = static_cast<std::size_t>(y * 101 + x);
      if (inside) REQUIRE(part.y[i] == full.y[i]);
      else REQUIRE(part.y[i] == 0);
    }
  }
  CHECK(part.u[static_cast<std::size_t>(5 * part.chroma_width() + 7)] ==
        full.u[static_cast<std::size_t>(5 * full.chroma_width() + 7)]);
  I420Image wrong = I420Image::make(100, 77);
  CHECK_FALSE(media::bgra_to_i420_area(src, Rect{0, 0, 10, 10}, media::view_of(wrong)));
}

TEST_CASE("align_rect grows to the grid and clips to the image") {
  CHECK(media::align_rect(Rect{17, 3, 10, 10}, 16, 100, 100) == Rect{16, 0, 16, 16});
  CHECK(media::align_rect(Rect{90, 90, 50, 50}, 16, 100, 100) == Rect{80, 80, 20, 20});
  CHECK(media::align_rect(Rect{-5, -5, 3, 3}, 16, 100, 100).empty());
  CHECK(media::align_rect(Rect{5, 5, 0, 3}, 2, 100, 100).empty());
}

TEST_CASE("PSNR: identical is capped, differences lower it, areas are respected") {
  const BgraImage a = test::text_image(64, 64);
  BgraImage b = a;
  CHECK(media::psnr(a, b) == media::kPsnrIdentical);
  test::fill_rect(b, Rect{0, 0, 8, 8}, 0x00ff00);
  CHECK(media::psnr(a, b) < 30.0);
  CHECK(media::psnr(a, b, Rect{16, 16, 48, 48}) == media::kPsnrIdentical);
  CHECK(media::psnr(a, BgraImage::make(32, 32)) == 0.0);
}

TEST_CASE("PNG write/read round trip is lossless; errors are reported") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/shot.png";
  BgraImage img = test::text_image(97, 41, 9);
  img.row(3)[3] = 0;  // undefined X11 alpha must not leak into the file
  REQUIRE(media::write_png(img, path).has_value());
  auto back = media::read_png(path);
  REQUIRE(back.has_value());
  CHECK(back->width == 97);
  CHECK(back->height == 41);
  CHECK(media::psnr(img, *back) == media::kPsnrIdentical);
  CHECK(back->row(3)[3] == 0xff);

  auto missing = media::read_png(dir + "/nope.png");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::io);
  { std::ofstream(dir + "/bad.png") << "not a png at all"; }
  auto bad = media::read_png(dir + "/bad.png");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::malformed);
  auto encoded = media::encode_png(img);
  REQUIRE(encoded.has_value());
  encoded->resize(encoded->size() / 2);  // truncated
  CHECK_FALSE(media::decode_png(*encoded).has_value());
  CHECK_FALSE(media::write_png(img, dir + "/no/such/dir.png").has_value());
  CHECK_FALSE(media::encode_png(BgraImage{}).has_value());
  std::filesystem::remove_all(dir);
}
