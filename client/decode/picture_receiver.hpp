// The viewer's one way to take in a picture message: a VideoFrame, PixelUpdate, PixelPatch, RegionFrame or
// ScaledFrame (the last two decoded by a RegionDecoder each into exact-pixel rectangles) becomes a PictureUpdate
// (decode time measured on an injectable clock), or, when it cannot be decoded, the KeyframeRequest to send.
// Also how a picture is acknowledged once shown. Lives on one thread (the network thread); owns the decoder.
#pragma once
#include <expected>
#include <memory>
#include <variant>

#include "client/decode/picture_update.hpp"
#include "client/decode/region_decoder.hpp"
#include "client/decode/remote_picture.hpp"
#include "client/decode/video_decoder.hpp"
#include "common/clock.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

using Decoded = std::expected<PictureUpdate, protocol::KeyframeRequest>;

class PictureReceiver {
 public:
  // `clock` must outlive the receiver; the real one by default.
  static std::expected<PictureReceiver, Error> create(const Clock& clock = steady_clock());

  Decoded receive(const protocol::VideoFrame& frame);
  Decoded receive(const protocol::PixelUpdate& update);
  Decoded receive(const protocol::PixelPatch& patch);
  Decoded receive(const protocol::RegionFrame& frame);
  Decoded receive(const protocol::ScaledFrame& frame);
  static bool is_picture(const protocol::Message& message);
  Decoded receive(const protocol::Message& message);  // is_picture(message) must hold

  std::uint64_t pictures() const { return pictures_; }   // decoded so far
  std::uint64_t failures() const { return failures_; }   // answered with a keyframe request

  static const Clock& steady_clock();

 private:
  PictureReceiver(std::unique_ptr<VideoDecoder> decoder, const Clock& clock);
  std::uint64_t now_us() const;
  Decoded failed();
  Decoded from_stream(RegionDecoder& stream, const auto& frame);

  std::unique_ptr<VideoDecoder> decoder_;
  RegionDecoder region_;  // the region stream
  RegionDecoder scaled_;  // the scaled stream
  const Clock* clock_;
  std::uint64_t pictures_ = 0, failures_ = 0;
};

// The acknowledgement of a picture shown at `shown_us` (same clock as decoded_time_us): decode time, and
// decoded to shown as present time. `shown_us` 0: nothing is shown (screenshot, tests), present_us 0.
protocol::FrameAck frame_ack(const PictureStamp& picture, std::uint64_t shown_us);

// What goes back to the host for one picture: its acknowledgement, or a request to start over.
using PictureReply = std::variant<protocol::FrameAck, protocol::KeyframeRequest>;

// For a consumer without a window (screenshot, test viewers): applies `decoded` to `picture` at once and
// answers with the acknowledgement (present_us 0), or a keyframe request when it could not be decoded or
// applied (pixels for a picture of another size).
PictureReply apply_and_ack(RemotePicture& picture, const PictureUpdate& update);
PictureReply apply_and_ack(RemotePicture& picture, const Decoded& decoded);

}  // namespace elfdesk::client
