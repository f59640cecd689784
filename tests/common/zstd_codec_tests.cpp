#include <doctest/doctest.h>

#include <zstd.h>

#include <memory>

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

TEST_CASE("a frame that asks for a huge window is refused before the decoder allocates it") {
  // 1000 bytes, but a 128 MiB window and no content size: a stock decoder allocates the whole window.
  const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_windowLog, 27);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_contentSizeFlag, 0);
  const std::string text(1000, 'w');
  std::vector<std::uint8_t> packed(ZSTD_compressBound(text.size()) + 64);
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  ZSTD_outBuffer out{packed.data(), packed.size(), 0};
  REQUIRE(ZSTD_compressStream2(ctx.get(), &out, &in, ZSTD_e_continue) == 0);
  REQUIRE(ZSTD_compressStream2(ctx.get(), &out, &in, ZSTD_e_end) == 0);
  packed.resize(out.pos);
  REQUIRE(ZSTD_getFrameContentSize(packed.data(), packed.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto unpacked = zstd_decompress(packed, 1 << 20);
  REQUIRE_FALSE(unpacked);
  CHECK(unpacked.error().code == ErrorCode::oversized);
  // Ordinary frames up to the cap still decompress (their window is at most their size).
  const std::string big(4 << 20, 'b');
  auto ordinary = zstd_decompress(zstd_compress(big), 4 << 20);
  REQUIRE(ordinary);
  CHECK(ordinary->size() == big.size());
}
