// PNG encoding/decoding of BgraImage with libpng (simplified API, so no setjmp/longjmp crosses C++ frames).
// Alpha is ignored on write (X11 leaves it undefined) and set opaque on read. Any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "common/image.hpp"
#include "protocol/error.hpp"

namespace elfdesk::media {

// Images larger than this in either dimension are rejected on read before any pixel allocation.
inline constexpr int kMaxPngDimension = 16384;

std::expected<std::vector<std::uint8_t>, Error> encode_png(const BgraImage& image);
std::expected<BgraImage, Error> decode_png(std::span<const std::uint8_t> data);

// File variants; errors carry the path and libpng's message (code io for file access, malformed for
// bad data).
std::expected<void, Error> write_png(const BgraImage& image, const std::string& path);
std::expected<BgraImage, Error> read_png(const std::string& path);

}  // namespace elfdesk::media
