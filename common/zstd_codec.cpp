#include "common/zstd_codec.hpp"

#include <algorithm>
#include <bit>

#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

namespace elfdesk {

std::vector<std::uint8_t> zstd_compress(std::span<const std::uint8_t> input, int level) {
  // One context per thread, reused: ZSTD_compress would set up its tables on every call, which costs more
  // than compressing a typed character's few hundred bytes.
  thread_local const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  std::vector<std::uint8_t> out(ZSTD_compressBound(input.size()));
  const std::size_t n = ctx ? ZSTD_compressCCtx(ctx.get(), out.data(), out.size(), input.data(), input.size(), level)
                            : ZSTD_compress(out.data(), out.size(), input.data(), input.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

namespace {
constexpr int kMinWindowLog = 10;  // zstd's absolute minimum
constexpr int kMaxWindowLog = 23;  // 8 MiB: above every cap we decompress to (4 MiB)
}  // namespace

std::expected<std::vector<std::uint8_t>, Error> zstd_decompress(std::span<const std::uint8_t> input,
                                                                std::size_t max_output) {
  // Streaming decompression: the frame's declared size is never trusted, the cap is enforced as we go.
  const std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return std::unexpected(make_error(ErrorCode::internal, "zstd: out of memory"));
  // The frame's window decides how much the decoder allocates before any output (up to 128 MiB by
  // default, 2 GiB if asked): never allow more than the output cap could need.
  const int window_log = std::clamp(static_cast<int>(std::bit_width(std::max<std::size_t>(max_output, 1) - 1)),
                                    kMinWindowLog, kMaxWindowLog);
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, window_log);
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  std::size_t last = 1;
  while (in.pos < in.size || last != 0) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(last) && ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge)
      return std::unexpected(make_error(ErrorCode::oversized, "zstd: the frame's window exceeds the limit"));
    if (ZSTD_isError(last))
      return std::unexpected(make_error(ErrorCode::malformed, std::string("zstd: ") + ZSTD_getErrorName(last)));
    if (out.size() + ob.pos > max_output)
      return std::unexpected(make_error(ErrorCode::oversized, "zstd: decompressed data exceeds the limit"));
    out.insert(out.end(), chunk.data(), chunk.data() + ob.pos);
    if (in.pos == in.size && ob.pos == 0 && last != 0)
      return std::unexpected(make_error(ErrorCode::truncated, "zstd: input ended inside a frame"));
  }
  return out;
}

std::expected<std::string, Error> zstd_decompress_text(std::span<const std::uint8_t> input,
                                                       std::size_t max_output) {
  auto bytes = zstd_decompress(input, max_output);
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace elfdesk
