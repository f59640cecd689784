// Quality top-off of only the areas that changed: the refined area ends as sharp as with a full-screen
// top-off while the rest keeps its quality. (Its cost, encode time, is measured in bench/, not here.)
#include <doctest/doctest.h>

#include "client/decode/video_decoder.hpp"
#include "common/media/colour_convert.hpp"
#include "common/media/psnr.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {
struct Codec {
  std::unique_ptr<host::VideoEncoder> encoder;
  std::unique_ptr<client::VideoDecoder> decoder;
  BgraImage shown;  // what the viewer shows now
  std::size_t feed(host::EncodeRequest request) {
    auto frame = encoder->encode(request);
    REQUIRE(frame);
    REQUIRE(frame->has_value());
    auto picture = decoder->decode((*frame)->data, (*frame)->keyframe);
    REQUIRE(picture);
    shown = media::i420_to_bgra(*picture);
    return (*frame)->data.size();
  }
};
Codec make_codec(int w, int h) {
  auto e = host::make_vp8_encoder(host::EncoderSettings{w, h, 300, 30});  // a starved rate: deltas are blurry
  auto d = client::make_vp8_decoder();
  REQUIRE(e);
  REQUIRE(d);
  return Codec{std::move(*e), std::move(*d), {}};
}
}  // namespace

TEST_CASE("a top-off of the changed area makes it as sharp as a full-screen top-off") {
  const int w = 1280, h = 720;
  BgraImage screen = test::gradient_image(w, h);
  const Rect area{320, 192, 320, 160};
  Codec partial = make_codec(w, h);
  Codec full = make_codec(w, h);
  for (Codec* c : {&partial, &full}) c->feed({&screen, {}, true, false});
  test::draw_text(screen, area, 7);  // typing: a block of text appears
  for (Codec* c : {&partial, &full}) c->feed({&screen, {area}, false, false});
  const double blurry = media::psnr(screen, partial.shown, area);
  const std::size_t partial_bytes = partial.feed({&screen, {area}, false, true});
  const std::size_t full_bytes = full.feed({&screen, {}, false, true});
  const double sharp = media::psnr(screen, partial.shown, area);
  INFO("delta " << blurry << " dB, after area top-off " << sharp << " dB; bytes " << partial_bytes << " vs " << full_bytes);
  CHECK(sharp > blurry + 3);
  CHECK(sharp >= media::psnr(screen, full.shown, area) - 1.0);  // as sharp as the full-screen top-off
  CHECK(media::psnr(screen, partial.shown) > 35);  // the rest of the screen kept its keyframe quality
}
