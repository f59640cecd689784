// Role interface of a video decoder: one compressed frame in, one I420 picture out.
// Lives on the client's network/decode thread; owns the codec context.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <span>

#include "common/image.hpp"
#include "protocol/error.hpp"

namespace elfdesk::client {

class VideoDecoder {
 public:
  virtual ~VideoDecoder() = default;
  // Decodes one frame. On error the caller must request a keyframe; until one arrives, needs_keyframe()
  // is true and delta frames are rejected without touching the codec.
  virtual std::expected<I420Image, Error> decode(std::span<const std::uint8_t> data, bool keyframe) = 0;
  virtual bool needs_keyframe() const = 0;
};

std::expected<std::unique_ptr<VideoDecoder>, Error> make_vp8_decoder();

}  // namespace elfdesk::client
