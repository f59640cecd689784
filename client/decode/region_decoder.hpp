// The viewer's side of the region stream (RegionFrame, capability kRegionStream): a second VP8 decoder for
// the host's smaller stream, remade at each new generation (a new region starts with a keyframe), whose
// picture is taken only inside the frame's coded areas and handed on as exact-pixel rectangles of the
// screen, so the picture and the presenter compose it like any other update. Network thread; owns the
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
  // to the region's size.
  std::expected<PixelsUpdate, Error> decode(const protocol::RegionFrame& frame);

 private:
  std::unique_ptr<VideoDecoder> decoder_;
  std::uint32_t generation_ = 0;
  BgraImage scratch_;  // the region's picture in BGRA, converted only where coded
};

}  // namespace elfdesk::client
