// VP8 implementation of VideoDecoder (libvpx). After any error (including a frame libvpx decodes but
// flags as corrupted) it refuses delta frames until a real keyframe decodes, so the viewer never shows
// garbage built on a broken reference.
#include <cstring>
#include <memory>
#include <string>

#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include "client/decode/video_decoder.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {

namespace {

struct CodecDeleter {
  void operator()(vpx_codec_ctx_t* ctx) const {
    vpx_codec_destroy(ctx);
    delete ctx;
  }
};
using CodecPtr = std::unique_ptr<vpx_codec_ctx_t, CodecDeleter>;

void copy_plane(const unsigned char* src, int src_stride, std::uint8_t* dst, int width, int height) {
  for (int y = 0; y < height; ++y) {
    std::memcpy(dst + static_cast<std::size_t>(y) * static_cast<std::size_t>(width),
                src + static_cast<std::ptrdiff_t>(y) * src_stride, static_cast<std::size_t>(width));
  }
}

class Vp8Decoder final : public VideoDecoder {
 public:
  std::expected<void, Error> init() {
    codec_.reset(new vpx_codec_ctx_t{});
    vpx_codec_dec_cfg_t cfg{};
    cfg.threads = 1;
    if (vpx_codec_dec_init(codec_.get(), vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) {
      auto error = make_error(ErrorCode::internal, std::string("vp8 decoder init: ") + vpx_codec_error(codec_.get()));
      codec_.reset();
      return std::unexpected(error);
    }
    return {};
  }

  std::expected<I420Image, Error> decode(std::span<const std::uint8_t> data, bool keyframe) override {
    if (needs_keyframe_ && !keyframe) {
      return std::unexpected(make_error(ErrorCode::invalid_argument, "vp8 decoder: waiting for a keyframe"));
    }
    auto result = decode_checked(data);
    needs_keyframe_ = !result.has_value();
    return result;
  }

  bool needs_keyframe() const override { return needs_keyframe_; }

 private:
  std::expected<I420Image, Error> decode_checked(std::span<const std::uint8_t> data) {
    if (data.empty() || data.size() > limits::kMaxVideoBytes) {
      return std::unexpected(make_error(ErrorCode::malformed, "vp8 decoder: bad frame size"));
    }
    const auto size = static_cast<unsigned>(data.size());
    if (needs_keyframe_) {
      // The caller's flag is only a hint: trust the bitstream before leaving the recovery state.
      vpx_codec_stream_info_t info{};
      info.sz = sizeof(info);
      if (vpx_codec_peek_stream_info(vpx_codec_vp8_dx(), data.data(), size, &info) != VPX_CODEC_OK || !info.is_kf) {
        return std::unexpected(make_error(ErrorCode::malformed, "vp8 decoder: expected a keyframe"));
      }
      if (info.w > limits::kMaxScreenDimension || info.h > limits::kMaxScreenDimension) {
        return std::unexpected(make_error(ErrorCode::oversized, "vp8 decoder: frame too large"));
      }
    }
    if (vpx_codec_decode(codec_.get(), data.data(), size, nullptr, 0) != VPX_CODEC_OK) {
      return std::unexpected(codec_error("vp8 decode"));
    }
    int corrupted = 0;
    if (vpx_codec_control(codec_.get(), VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK || corrupted) {
      return std::unexpected(make_error(ErrorCode::malformed, "vp8 decoder: frame is corrupted"));
    }
    vpx_codec_iter_t iter = nullptr;
    const vpx_image_t* img = vpx_codec_get_frame(codec_.get(), &iter);
    if (img == nullptr || img->fmt != VPX_IMG_FMT_I420) {
      return std::unexpected(make_error(ErrorCode::malformed, "vp8 decoder: no picture"));
    }
    I420Image out = I420Image::make(static_cast<int>(img->d_w), static_cast<int>(img->d_h));
    copy_plane(img->planes[VPX_PLANE_Y], img->stride[VPX_PLANE_Y], out.y.data(), out.width, out.height);
    copy_plane(img->planes[VPX_PLANE_U], img->stride[VPX_PLANE_U], out.u.data(), out.chroma_width(),
               out.chroma_height());
    copy_plane(img->planes[VPX_PLANE_V], img->stride[VPX_PLANE_V], out.v.data(), out.chroma_width(),
               out.chroma_height());
    return out;
  }

  Error codec_error(const std::string& what) {
    std::string detail = what + ": " + vpx_codec_error(codec_.get());
    if (const char* more = vpx_codec_error_detail(codec_.get())) detail += std::string(" (") + more + ")";
    return make_error(ErrorCode::malformed, detail);
  }

  CodecPtr codec_;
  bool needs_keyframe_ = true;  // nothing to predict from until the first keyframe
};

}  // namespace

std::expected<std::unique_ptr<VideoDecoder>, Error> make_vp8_decoder() {
  auto decoder = std::make_unique<Vp8Decoder>();
  if (auto ok = decoder->init(); !ok) return std::unexpected(ok.error());
  return decoder;
}

}  // namespace elfdesk::client
