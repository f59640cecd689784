// Writes VP8 frames into a WebM file, with libavformat's muxer (Debian's libwebm-dev ships only the
// parser's headers, not mkvmuxer's). One thread at a time; owns the file until finish() or destruction.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk {

class WebmWriter {
 public:
  // Creates (truncates) `path` for one VP8 track of width x height. io when the file cannot be written.
  static std::expected<std::unique_ptr<WebmWriter>, Error> create(const std::string& path, int width, int height);
  ~WebmWriter();  // finishes the file if finish() was not called
  WebmWriter(const WebmWriter&) = delete;
  WebmWriter& operator=(const WebmWriter&) = delete;

  // One compressed VP8 frame shown at `pts_ms` after the recording began (strictly increasing).
  std::expected<void, Error> add_frame(std::span<const std::uint8_t> vp8, std::uint64_t pts_ms, bool keyframe);
  // Writes the index and the duration, and closes the file. Idempotent.
  std::expected<void, Error> finish();

 private:
  struct Impl;
  explicit WebmWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk
