// The viewer's side of the host's second and third streams: the region stream (RegionFrame, capability
// kRegionStream), a smaller VP8 stream of one rectangle of the screen, and the scaled stream (ScaledFrame,
// kScaledFrame), the whole screen at a fraction of its resolution, scaled up here. One RegionDecoder
// serves one stream: a VP8 decoder remade at each new generation (a generation starts with a keyframe),
// whose picture is taken only inside the frame's coded areas and handed on as exact-pixel rectangles of
// the screen, so the picture and the presenter compose it like any other update. Network thread; owns the
// decoder.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>

#include "client/decode/picture_update.hpp"
#include "client/decode/video_decoder.hpp"
#include "common/image.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

class RegionDecoder {
 public:
  // Fails (the caller asks for a keyframe of the whole screen, after which the host starts a new
  // generation) when a delta arrives for a generation without its keyframe, or the frame does not decode
  // to the region's size (the screen's divided by the scale).
  std::expected<PixelsUpdate, Error> decode(const protocol::RegionFrame& frame);
  std::expected<PixelsUpdate, Error> decode(const protocol::ScaledFrame& frame);

 private:
  // Decodes `data`, which must be a picture of width x height, after checking its generation.
  std::expected<I420Image, Error> decode_picture(const protocol::Bytes& data, bool keyframe,
                                                 std::uint32_t generation, int width, int height);

  std::unique_ptr<VideoDecoder> decoder_;
  std::uint32_t generation_ = 0;
  BgraImage scratch_;  // the stream's picture in BGRA, converted only where coded
  BgraImage scaled_up_;  // the scaled stream's picture at the screen's size, written only where coded
};

}  // namespace elfdesk::client
