#include <doctest/doctest.h>

#include "common/zstd_codec.hpp"

using namespace elfdesk;

TEST_CASE("zstd round trip") {
  const std::string text = "clipboard text with ümlauts and a long tail " + std::string(10000, 'z');
  auto packed = zstd_compress(text);
  CHECK(packed.size() < text.size() / 10);
  auto unpacked = zstd_decompress_text(packed, 1 << 20);
  REQUIRE(unpacked);
  CHECK(*unpacked == text);
}

TEST_CASE("a decompression bomb stops at the output cap") {
  const std::string huge(8 << 20, 'a');  // compresses to a few hundred bytes
  auto packed = zstd_compress(huge);
  CHECK(packed.size() < 4096);
  auto unpacked = zstd_decompress(packed, 1 << 20);
  REQUIRE_FALSE(unpacked);
  CHECK(unpacked.error().code == ErrorCode::oversized);
}

TEST_CASE("corrupt and truncated input are errors") {
  auto packed = zstd_compress(std::string(5000, 'q') + "tail");
  auto truncated = std::vector<std::uint8_t>(packed.begin(), packed.begin() + static_cast<long>(packed.size() / 2));
  auto r1 = zstd_decompress(truncated, 1 << 20);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().code == ErrorCode::truncated);
  std::vector<std::uint8_t> garbage(64, 0x5a);
  auto r2 = zstd_decompress(garbage, 1 << 20);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == ErrorCode::malformed);
}
