#include "client/decode/picture_receiver.hpp"

#include <algorithm>
#include <type_traits>

#include "common/log.hpp"

namespace elfdesk::client {
namespace {

std::uint32_t clamp_us(std::uint64_t us) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(us, UINT32_MAX));
}

}  // namespace

const Clock& PictureReceiver::steady_clock() {
  static const SteadyClock clock;
  return clock;
}

std::expected<PictureReceiver, Error> PictureReceiver::create(const Clock& clock) {
  auto decoder = make_vp8_decoder();
  if (!decoder) return std::unexpected(decoder.error());
  return PictureReceiver(std::move(*decoder), clock);
}

PictureReceiver::PictureReceiver(std::unique_ptr<VideoDecoder> decoder, const Clock& clock)
    : decoder_(std::move(decoder)), clock_(&clock) {}

std::uint64_t PictureReceiver::now_us() const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(clock_->now().time_since_epoch()).count());
}

Decoded PictureReceiver::failed() {
  ++failures_;
  return std::unexpected(protocol::KeyframeRequest{protocol::KeyframeReason::decode_error});
}

Decoded PictureReceiver::receive(const protocol::VideoFrame& frame) {
  const auto start = now_us();
  auto image = decoder_->decode(frame.data, frame.keyframe);
  if (!image) {
    log::debug("video frame {} not decoded: {}", frame.frame_id, image.error().detail);
    return failed();
  }
  VideoUpdate video{std::move(*image), {}, {}};
  if (!frame.keyframe) {  // a keyframe is the whole picture: nothing to take from what is shown
    video.coded = to_rects(frame.coded);
    video.copies = to_copies(frame.copies);
  }
  const auto done = now_us();
  ++pictures_;
  return PictureUpdate{std::move(video), frame.frame_id, frame.capture_time_us, done,
                       clamp_us(done - start), frame.timings, frame.data.size()};
}

Decoded PictureReceiver::receive(const protocol::PixelUpdate& update) {
  const auto start = now_us();
  auto pixels = unpack(update);
  if (!pixels) {
    log::warn("bad pixel update {}: {}", update.frame_id, pixels.error().detail);
    return failed();
  }
  const auto done = now_us();
  ++pictures_;
  return PictureUpdate{std::move(*pixels), update.frame_id, update.capture_time_us, done,
                       clamp_us(done - start), update.timings, update.bgra_zstd.size()};
}

Decoded PictureReceiver::receive(const protocol::PixelPatch& patch) {
  const auto start = now_us();
  auto pixels = unpack(patch);
  if (!pixels) {
    log::warn("bad pixel patch {}: {}", patch.frame_id, pixels.error().detail);
    return failed();
  }
  const auto done = now_us();
  ++pictures_;
  return PictureUpdate{std::move(*pixels), patch.frame_id, patch.capture_time_us, done,
                       clamp_us(done - start), patch.timings, patch.data.size()};
}

Decoded PictureReceiver::from_stream(RegionDecoder& stream, const auto& frame) {
  constexpr bool region = std::is_same_v<std::decay_t<decltype(frame)>, protocol::RegionFrame>;
  const auto start = now_us();
  auto pixels = stream.decode(frame);
  if (!pixels) {
    log::debug("{} frame {} not decoded: {}", region ? "region" : "scaled", frame.frame_id, pixels.error().detail);
    return failed();
  }
  const auto done = now_us();
  ++pictures_;
  return PictureUpdate{std::move(*pixels), frame.frame_id, frame.capture_time_us, done, clamp_us(done - start),
                       frame.timings, frame.data.size(), region ? PixelsFrom::region : PixelsFrom::scaled};
}

Decoded PictureReceiver::receive(const protocol::RegionFrame& frame) { return from_stream(region_, frame); }
Decoded PictureReceiver::receive(const protocol::ScaledFrame& frame) { return from_stream(scaled_, frame); }

bool PictureReceiver::is_picture(const protocol::Message& message) {
  return std::holds_alternative<protocol::VideoFrame>(message) || std::holds_alternative<protocol::PixelUpdate>(message) ||
         std::holds_alternative<protocol::PixelPatch>(message) || std::holds_alternative<protocol::RegionFrame>(message) ||
         std::holds_alternative<protocol::ScaledFrame>(message);
}

Decoded PictureReceiver::receive(const protocol::Message& message) {
  if (const auto* frame = std::get_if<protocol::VideoFrame>(&message)) return receive(*frame);
  if (const auto* patch = std::get_if<protocol::PixelPatch>(&message)) return receive(*patch);
  if (const auto* region = std::get_if<protocol::RegionFrame>(&message)) return receive(*region);
  if (const auto* scaled = std::get_if<protocol::ScaledFrame>(&message)) return receive(*scaled);
  return receive(std::get<protocol::PixelUpdate>(message));
}

protocol::FrameAck frame_ack(const PictureStamp& picture, std::uint64_t shown_us) {
  const std::uint64_t present = shown_us > picture.decoded_time_us ? shown_us - picture.decoded_time_us : 0;
  return protocol::FrameAck{picture.frame_id, picture.decode_us, shown_us == 0 ? 0 : clamp_us(present)};
}

PictureReply apply_and_ack(RemotePicture& picture, const PictureUpdate& update) {
  if (auto applied = picture.apply(update); !applied) {
    // Pixels for a picture we do not have (a screen resize crossed them): start over from a keyframe.
    log::debug("picture update {} not applied: {}", update.frame_id, applied.error().detail);
    return protocol::KeyframeRequest{protocol::KeyframeReason::decode_error};
  }
  return frame_ack(update.stamp(), 0);
}

PictureReply apply_and_ack(RemotePicture& picture, const Decoded& decoded) {
  if (!decoded) return decoded.error();
  return apply_and_ack(picture, *decoded);
}

}  // namespace elfdesk::client
