// PictureReceiver on real VP8 output (host/encode) and real PixelUpdates: pictures become PictureUpdates
// with their decode time on an injected clock, anything undecodable becomes a keyframe request, and a
// window-less consumer (screenshot, test viewers) composes and acknowledges with present_us 0.
#include <doctest/doctest.h>

#include "client/decode/picture_receiver.hpp"
#include "common/media/psnr.hpp"
#include "common/zstd_codec.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace elfdesk::client;
namespace p = elfdesk::protocol;

namespace {

// Every reading moves time on by 250 us: a decode measured between two readings took exactly that.
class SteppingClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return now_ += std::chrono::microseconds(250); }

 private:
  mutable std::chrono::steady_clock::time_point now_{};
};

constexpr int kW = 320, kH = 192;

// A keyframe of a text screen and one delta that redraws `changed`, as the host sends them.
struct Sent {
  BgraImage screen;
  std::vector<p::VideoFrame> frames;
};

Sent encode_stream(Rect changed) {
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{kW, kH, 4000, 30});
  REQUIRE(encoder.has_value());
  Sent sent{test::text_image(kW, kH, 5), {}};
  for (int i = 0; i < 2; ++i) {
    if (i == 1) test::draw_text(sent.screen, changed, 77);
    const std::vector<Rect> dirty = i == 0 ? std::vector<Rect>{Rect{0, 0, kW, kH}} : std::vector<Rect>{changed};
    auto out = (*encoder)->encode(host::EncodeRequest{&sent.screen, dirty, i == 0, false, 1000u + i * 33333u});
    REQUIRE(out.has_value());
    REQUIRE(out->has_value());
    p::VideoFrame f;
    f.frame_id = 10 + static_cast<std::uint64_t>(i);
    f.capture_time_us = 5000 + static_cast<std::uint64_t>(i);
    f.width = kW;
    f.height = kH;
    f.keyframe = (*out)->keyframe;
    f.timings = p::FrameTimings{100, (*out)->encode_us, 7};
    if (i == 1) {
      f.coded = {p::ScreenRect{static_cast<std::uint16_t>(changed.x), static_cast<std::uint16_t>(changed.y),
                               static_cast<std::uint16_t>(changed.width), static_cast<std::uint16_t>(changed.height)}};
    }
    f.data = std::move((*out)->data);
    sent.frames.push_back(std::move(f));
  }
  return sent;
}

p::PixelUpdate white_pixels(std::uint64_t id, int width, int height, Rect r) {
  p::PixelUpdate u;
  u.frame_id = id;
  u.width = static_cast<std::uint16_t>(width);
  u.height = static_cast<std::uint16_t>(height);
  u.rects = {p::ScreenRect{static_cast<std::uint16_t>(r.x), static_cast<std::uint16_t>(r.y),
                           static_cast<std::uint16_t>(r.width), static_cast<std::uint16_t>(r.height)}};
  u.format = p::PixelFormat::bgra;
  const std::vector<std::uint8_t> data(static_cast<std::size_t>(r.width) * r.height * 4, 0xFF);
  u.raw_size = static_cast<std::uint32_t>(data.size());
  u.bgra_zstd = zstd_compress(data, 1);
  return u;
}

PictureReceiver make_receiver(const Clock& clock) {
  auto receiver = PictureReceiver::create(clock);
  REQUIRE(receiver.has_value());
  return std::move(*receiver);
}

}  // namespace

TEST_CASE("receiver: real VP8 frames become updates that compose the sent screen, acknowledged with decode time") {
  const SteppingClock clock;
  auto receiver = make_receiver(clock);
  const Rect changed{64, 32, 96, 48};
  const Sent sent = encode_stream(changed);
  RemotePicture picture;
  for (const auto& frame : sent.frames) {
    const Decoded decoded = receiver.receive(p::Message(frame));
    REQUIRE(decoded.has_value());
    CHECK(decoded->frame_id == frame.frame_id);
    CHECK(decoded->capture_time_us == frame.capture_time_us);
    CHECK(decoded->timings == frame.timings);
    CHECK(decoded->wire_bytes == frame.data.size());
    CHECK(decoded->decode_us == 250);  // one clock step between the readings around the decode
    const auto& video = std::get<VideoUpdate>(decoded->content);
    if (frame.keyframe) CHECK(video.coded.empty());  // the whole picture
    else CHECK(video.coded == std::vector<Rect>{changed});
    const PictureReply reply = apply_and_ack(picture, *decoded);
    REQUIRE(std::holds_alternative<p::FrameAck>(reply));
    CHECK(std::get<p::FrameAck>(reply) == p::FrameAck{frame.frame_id, 250, 0});
  }
  CHECK(receiver.pictures() == 2);
  CHECK(receiver.failures() == 0);
  CHECK(media::psnr(picture.pixels(), sent.screen) > 30.0);
}

TEST_CASE("receiver: a delta without its keyframe or corrupt VP8 data asks for a keyframe") {
  const SteppingClock clock;
  auto receiver = make_receiver(clock);
  Sent sent = encode_stream(Rect{0, 0, 32, 32});
  auto delta = receiver.receive(sent.frames[1]);
  REQUIRE_FALSE(delta.has_value());
  CHECK(delta.error() == p::KeyframeRequest{p::KeyframeReason::decode_error});
  p::VideoFrame corrupt = sent.frames[0];
  corrupt.data.assign(500, 0);
  for (std::size_t i = 0; i < corrupt.data.size(); ++i) corrupt.data[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const Decoded failed = receiver.receive(corrupt);
  CHECK_FALSE(failed.has_value());
  CHECK(receiver.failures() == 2);
  RemotePicture picture;  // a window-less consumer passes the request on and shows nothing
  CHECK(std::holds_alternative<p::KeyframeRequest>(apply_and_ack(picture, failed)));
  CHECK(picture.width() == 0);
  // The real keyframe still starts it over, and the delta then decodes.
  CHECK(receiver.receive(sent.frames[0]).has_value());
  CHECK(receiver.receive(sent.frames[1]).has_value());
}

TEST_CASE("receiver: exact pixels are unpacked, applied where they fit, and refused for another screen") {
  const SteppingClock clock;
  auto receiver = make_receiver(clock);
  RemotePicture picture;
  picture.apply(I420Image::make(kW, kH));  // a dark screen of kW x kH
  const std::size_t stride = static_cast<std::size_t>(picture.pixels().stride);
  const std::uint8_t above = picture.pixels().pixels[7 * stride + 8 * 4];
  REQUIRE(above != 0xFF);
  const Decoded ok = receiver.receive(p::Message(white_pixels(3, kW, kH, Rect{8, 8, 4, 2})));
  REQUIRE(ok.has_value());
  CHECK(ok->wire_bytes > 0);
  CHECK(ok->decode_us == 250);
  CHECK(std::get<p::FrameAck>(apply_and_ack(picture, ok)) == p::FrameAck{3, 250, 0});
  CHECK(picture.pixels().pixels[8 * stride + 8 * 4] == 0xFF);
  CHECK(picture.pixels().pixels[7 * stride + 8 * 4] == above);  // just above the rectangle: untouched
  // Pixels for a screen of another size (a resize crossed them): not applied, start over.
  const Decoded other = receiver.receive(white_pixels(4, kW / 2, kH, Rect{0, 0, 2, 2}));
  REQUIRE(other.has_value());
  CHECK(std::get<p::KeyframeRequest>(apply_and_ack(picture, other)).reason == p::KeyframeReason::decode_error);
  // Corrupt zstd: a keyframe request, no update.
  p::PixelUpdate bad = white_pixels(5, kW, kH, Rect{0, 0, 2, 2});
  bad.bgra_zstd[bad.bgra_zstd.size() / 2] ^= 0xFF;
  bad.bgra_zstd.resize(bad.bgra_zstd.size() - 1);
  CHECK_FALSE(receiver.receive(bad).has_value());
}

TEST_CASE("receiver: the acknowledgement carries decode time and decoded-to-shown as present time") {
  PictureStamp stamp{42, 1'000'000, 1800, {}};
  CHECK(frame_ack(stamp, 1'004'500) == p::FrameAck{42, 1800, 4500});
  CHECK(frame_ack(stamp, 0) == p::FrameAck{42, 1800, 0});        // applied, never shown
  CHECK(frame_ack(stamp, 999'000) == p::FrameAck{42, 1800, 0});  // clocks never run backwards into a huge value
}
