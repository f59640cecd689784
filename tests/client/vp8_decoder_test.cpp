#include <doctest/doctest.h>

#include "client/decode/video_decoder.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {

// A real encoded stream: one keyframe followed by deltas that each change a small area.
struct Stream {
  BgraImage last;
  std::vector<host::EncodedFrame> frames;
};

Stream make_stream(int w, int h, int deltas) {
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{w, h, 4000, 30});
  REQUIRE(encoder.has_value());
  Stream s{test::text_image(w, h, 11), {}};
  std::uint64_t ts = 1;
  for (int i = 0; i <= deltas; ++i) {
    const Rect r{(i * 16) % std::max(1, w - 32), 0, std::min(32, w), std::min(32, h)};
    if (i > 0) test::draw_text(s.last, r, static_cast<std::uint32_t>(i));
    auto out = (*encoder)->encode(host::EncodeRequest{&s.last, {r}, i == 0, false, ts += 33333});
    REQUIRE(out.has_value());
    REQUIRE(out->has_value());
    s.frames.push_back(std::move(**out));
  }
  return s;
}

std::unique_ptr<client::VideoDecoder> decoder() {
  auto d = client::make_vp8_decoder();
  REQUIRE(d.has_value());
  return std::move(*d);
}

}  // namespace

TEST_CASE("decodes a stream of odd size with the right geometry and content") {
  const Stream s = make_stream(333, 201, 3);
  auto d = decoder();
  std::expected<I420Image, Error> pic;
  for (const auto& f : s.frames) {
    pic = d->decode(f.data, f.keyframe);
    REQUIRE(pic.has_value());
  }
  CHECK(pic->width == 333);
  CHECK(pic->height == 201);
  CHECK(pic->u.size() == 167u * 101u);
  CHECK(media::psnr(s.last, media::i420_to_bgra(*pic)) > 35.0);
  CHECK_FALSE(d->needs_keyframe());
}

TEST_CASE("a fresh decoder needs a keyframe and rejects deltas") {
  const Stream s = make_stream(64, 64, 1);
  auto d = decoder();
  CHECK(d->needs_keyframe());
  CHECK_FALSE(d->decode(s.frames[1].data, false).has_value());
  // Claiming a delta is a keyframe does not fool it: the bitstream is checked.
  CHECK_FALSE(d->decode(s.frames[1].data, true).has_value());
  CHECK(d->needs_keyframe());
  CHECK(d->decode(s.frames[0].data, true).has_value());
  CHECK_FALSE(d->needs_keyframe());
}

TEST_CASE("corrupted input -> error, needs_keyframe until a keyframe decodes") {
  const Stream s = make_stream(160, 120, 3);
  auto d = decoder();
  REQUIRE(d->decode(s.frames[0].data, true).has_value());
  REQUIRE(d->decode(s.frames[1].data, false).has_value());

  SUBCASE("truncated delta") {
    const auto& f = s.frames[2].data;
    CHECK_FALSE(d->decode(std::span(f).first(f.size() / 3), false).has_value());
  }
  SUBCASE("garbage") {
    std::vector<std::uint8_t> junk(500);
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 37 + 11);
    CHECK_FALSE(d->decode(junk, false).has_value());
  }
  SUBCASE("empty") { CHECK_FALSE(d->decode({}, false).has_value()); }

  CHECK(d->needs_keyframe());
  auto rejected = d->decode(s.frames[3].data, false);
  REQUIRE_FALSE(rejected.has_value());
  CHECK(d->needs_keyframe());
  REQUIRE(d->decode(s.frames[0].data, true).has_value());
  CHECK_FALSE(d->needs_keyframe());
}
