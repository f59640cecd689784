// zstd compression for probe results and clipboard text, with a hard cap on decompressed output so a
// peer cannot make us inflate a bomb. Pure functions, any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk {

std::vector<std::uint8_t> zstd_compress(std::span<const std::uint8_t> input, int level = 3);
inline std::vector<std::uint8_t> zstd_compress(std::string_view text, int level = 3) {
  return zstd_compress(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), level);
}
// Fails (oversized) when the output would exceed max_output, (malformed) on corrupt input or a frame
// whose window is larger than max_output could need (the decoder would allocate it up front).
std::expected<std::vector<std::uint8_t>, Error> zstd_decompress(std::span<const std::uint8_t> input,
                                                                std::size_t max_output);
std::expected<std::string, Error> zstd_decompress_text(std::span<const std::uint8_t> input,
                                                       std::size_t max_output);

}  // namespace elfdesk
