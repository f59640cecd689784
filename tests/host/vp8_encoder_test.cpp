#include <doctest/doctest.h>

#include <algorithm>

#include "client/decode/video_decoder.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/active_map.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {

struct Codec {
  std::unique_ptr<host::VideoEncoder> encoder;
  std::unique_ptr<client::VideoDecoder> decoder;
  std::uint64_t ts = 1000;

  explicit Codec(int w, int h, int kbps = 4000) {
    auto e = host::make_vp8_encoder(host::EncoderSettings{w, h, kbps, 30});
    REQUIRE(e.has_value());
    encoder = std::move(*e);
    auto d = client::make_vp8_decoder();
    REQUIRE(d.has_value());
    decoder = std::move(*d);
  }

  host::EncodedFrame encode(const BgraImage& img, std::vector<Rect> dirty, bool key = false, bool top = false,
                            std::uint64_t after_us = 33333) {
    ts += after_us;
    auto out = encoder->encode(host::EncodeRequest{&img, std::move(dirty), key, top, ts});
    REQUIRE(out.has_value());
    REQUIRE(out->has_value());
    return std::move(**out);
  }

  BgraImage decode(const host::EncodedFrame& frame) {
    auto pic = decoder->decode(frame.data, frame.keyframe);
    REQUIRE(pic.has_value());
    return media::i420_to_bgra(*pic);
  }
};

}  // namespace

TEST_CASE("active map marks every macroblock a rectangle touches") {
  const auto map = host::build_active_map({Rect{15, 0, 2, 1}, Rect{90, 40, 100, 100}}, 100, 50);
  CHECK(map.cols == 7);
  CHECK(map.rows == 4);
  CHECK(map.active_count() == 2 + 4);  // (0,0),(1,0) and columns 5,6 of rows 2,3 (clipped to 100x50)
  CHECK(map.cells[0] == 1);
  CHECK(map.cells[1] == 1);
  CHECK(map.cells[2] == 0);
  CHECK(map.cells[static_cast<std::size_t>(3 * 7 + 5)] == 1);
}

TEST_CASE("keyframe and top-off reach high quality on text after a starved update") {
  BgraImage img = test::text_image(640, 480, 5);
  Codec c(640, 480, 300);
  const auto key = c.encode(img, {}, true);
  CHECK(key.keyframe);
  CHECK(media::psnr(img, c.decode(key)) > 40.0);  // keyframes are funded well
  // The whole screen changes while the link is slow: rate control degrades the picture...
  test::draw_text(img, Rect{0, 0, 640, 480}, 55);
  const BgraImage starved = c.decode(c.encode(img, {Rect{0, 0, 640, 480}}));
  // ...and once the screen is still, top-off brings it back.
  const auto top = c.encode(img, {}, false, true);
  CHECK_FALSE(top.keyframe);
  const BgraImage sharp = c.decode(top);
  MESSAGE("keyframe ", key.data.size(), " B; starved ", media::psnr(img, starved), " dB; top-off ",
          top.data.size(), " B ", media::psnr(img, sharp), " dB");
  CHECK(media::psnr(img, starved) < 35.0);
  CHECK(media::psnr(img, sharp) > 40.0);
}

TEST_CASE("encoding only a dirty rect changes only that area, for far fewer bytes") {
  BgraImage img = test::text_image(640, 480, 6);
  Codec c(640, 480);
  const auto key = c.encode(img, {}, true);
  c.decode(key);
  const BgraImage before = c.decode(c.encode(img, {}, false, true));
  const Rect change{200, 160, 64, 32};
  test::draw_text(img, change, 77);
  const auto delta = c.encode(img, {change});
  CHECK_FALSE(delta.keyframe);
  const BgraImage after = c.decode(delta);
  MESSAGE("keyframe ", key.data.size(), " B, dirty-rect delta ", delta.data.size(), " B");
  CHECK(delta.data.size() * 20 < key.data.size());
  // Outside the coded macroblocks (plus the loop filter's reach of a few pixels) the picture is
  // bit-identical to before; inside it shows the new content.
  Rect coded = media::align_rect(change, 16, 640, 480);
  coded = Rect{coded.x - 4, coded.y - 4, coded.width + 8, coded.height + 8};
  BgraImage masked_before = before, masked_after = after;
  test::fill_rect(masked_before, coded, 0);
  test::fill_rect(masked_after, coded, 0);
  CHECK(media::psnr(masked_before, masked_after) == media::kPsnrIdentical);
  CHECK(media::psnr(img, after, change) > 25.0);
  CHECK(media::psnr(before, after, change) < 20.0);
}

TEST_CASE("keyframes only when forced; nothing dirty means no frame") {
  BgraImage img = test::text_image(320, 240, 7);
  Codec c(320, 240);
  CHECK(c.encode(img, {}).keyframe);  // the first frame is always a keyframe
  for (int i = 0; i < 5; ++i) {
    test::draw_noise(img, Rect{0, 0, 64, 64}, static_cast<std::uint32_t>(i));
    CHECK_FALSE(c.encode(img, {Rect{0, 0, 64, 64}}).keyframe);
  }
  auto none = c.encoder->encode(host::EncodeRequest{&img, {}, false, false, 0});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  const auto forced = c.encode(img, {Rect{0, 0, 16, 16}}, true);
  CHECK(forced.keyframe);
  // A fresh decoder can start from the forced keyframe.
  auto fresh = client::make_vp8_decoder();
  REQUIRE(fresh.has_value());
  auto pic = (*fresh)->decode(forced.data, true);
  REQUIRE(pic.has_value());
  CHECK(media::psnr(img, media::i420_to_bgra(*pic)) > 30.0);
}

TEST_CASE("encoder rejects bad settings and mismatched images") {
  CHECK_FALSE(host::make_vp8_encoder(host::EncoderSettings{0, 100, 1000, 30}).has_value());
  CHECK(host::make_vp8_encoder(host::EncoderSettings{0, 100, 1000, 30}).error().code == ErrorCode::invalid_argument);
  Codec c(64, 64);
  const BgraImage other = BgraImage::make(32, 32);
  auto r = c.encoder->encode(host::EncodeRequest{&other, {}, true, false, 0});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::invalid_argument);
  CHECK_FALSE(c.encoder->encode(host::EncodeRequest{nullptr, {}, true, false, 0}).has_value());
}

// From 3000 kbps, about the most a slow link's target reaches, down to 300: the reach a slow path needs.
// On noise the quantiser range bounds it (motion frames take q 24-50): about 2x, 294 -> 148 KB. (At 4000
// and above the main encoder codes small updates at its fast speed, which spends fewer bytes on this noise
// at q 24 than -10 does, 229 KB at 8000 kbps, and so narrows the span; a fast path does not need it.)
TEST_CASE("the rate target changes frame sizes at runtime") {
  BgraImage img = test::gradient_image(640, 360);
  Codec c(640, 360, 3000);
  c.encode(img, {}, true);
  auto total = [&](int frames, std::uint32_t seed) {
    std::size_t bytes = 0;
    for (int i = 0; i < frames; ++i) {
      test::draw_noise(img, Rect{0, 0, 320, 180}, seed + static_cast<std::uint32_t>(i));
      bytes += c.encode(img, {Rect{0, 0, 320, 180}}).data.size();
    }
    return bytes;
  };
  total(10, 100);
  const std::size_t high = total(20, 200);
  c.encoder->set_target_kbps(300);
  total(10, 300);
  const std::size_t low = total(20, 400);
  MESSAGE("20 noise frames: ", high, " B at 3000 kbps, ", low, " B at 300 kbps");
  CHECK(low * 10 < high * 6);
}

// Issue 13: libvpx spends the target over the time since the last frame. A frame that waited (a pause, or
// the scheduler's window holding frames back on a slow link) must not become that whole wait's worth: on
// a link that just got 7x slower, frames 180 ms apart were each 180 ms of the link and kept the queue
// standing (rate_control_tests). Without the encoder's cap on a frame's span, the frame after 500 ms and
// the one after it came out at 2.2x the usual size here (the quantiser's floor; checked).
TEST_CASE("a frame that waited half a second is coded at about one frame's share of the target") {
  BgraImage img = test::gradient_image(640, 360);
  Codec c(640, 360, 3000);
  c.encode(img, {}, true);
  std::vector<std::size_t> regular;
  for (int i = 0; i < 40; ++i) {
    test::draw_noise(img, Rect{0, 0, 640, 360}, 500 + static_cast<std::uint32_t>(i));
    regular.push_back(c.encode(img, {Rect{0, 0, 640, 360}}).data.size());
  }
  std::sort(regular.begin(), regular.end());
  const std::size_t usual = regular[regular.size() / 2];
  test::draw_noise(img, Rect{0, 0, 640, 360}, 900);
  const std::size_t waited = c.encode(img, {Rect{0, 0, 640, 360}}, false, false, 500'000).data.size();
  test::draw_noise(img, Rect{0, 0, 640, 360}, 901);
  const std::size_t next = c.encode(img, {Rect{0, 0, 640, 360}}).data.size();
  MESSAGE("noise frames at 3000 kbps: ", usual, " B each (median of 40, 33 ms apart), ", waited,
          " B after 500 ms, then ", next, " B");
  CHECK(waited <= usual * 3 / 2);
  CHECK(next <= usual * 3 / 2);
}
