// VP8 implementation of VideoEncoder (libvpx). Settings and why (bench/encoder, 1080p, 1 thread, 2 shared
// cores; full table in bench/encoder/results.md):
// - one thread: a second thread costs more CPU than it saves on 2 cores (DESIGN);
// - active map from the dirty rects: only changed macroblocks are coded (typing 70 kbit/s at 3 ms per
//   frame; without the map ~1 Mbit/s at 9-12 ms);
// - cpu-used is a fixed speed, never a positive "time budget" value: cpu-used 16 missed full-screen
//   motion (scroll 70 Mbit/s at 26.7 dB, 45 ms), -6 scrolls at 4.4 Mbit/s, 34.8 dB. Up to 40% of the
//   screen -10 was as cheap as 16 for typing and video and better for window drags (3.4 vs 5.1 Mbit/s,
//   41 vs 36.6 dB); above that -6. The region stream's encoder runs at -16: 21% less encode CPU than -10
//   on a grainy 640x360 video at +5% bytes and -0.06 dB (docs/performance.md, "Host CPU (issue 17)").
//   On full-screen frames -16 also saved 18-21%, but it narrows the rate control's reach on noise (20
//   noise frames: 1.78x fewer bytes at 300 than at 8000 kbps instead of 2x; vp8_encoder_test), so the
//   main encoder keeps -10 on slow paths and takes -16 for small updates only at a fast path's target
//   (4000 kbps and above): document move+resize host CPU 1.76x -> 1.6x x11vnc's (docs/performance.md);
// - keyframes only on request; the host asks for them quick and coarse (issue 13: a sharp 1080p keyframe
//   is ~100-200 KB, 0.3-0.6 s of a 3 Mbit/s link before anything shows) and sharpens them right after
//   (the lossless pass, then a top-off of what stays lossy). "Top-off" re-codes areas at high quality once
//   they are still, because the active map freezes everything else at the last coded quality.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include "common/media/colour_convert.hpp"
#include "host/encode/active_map.hpp"
#include "host/encode/video_encoder.hpp"

namespace elfdesk::host {

namespace {

constexpr int kSmallUpdateCpuUsed = -10;
constexpr int kRegionCpuUsed = -16;
constexpr int kLargeUpdateCpuUsed = -6;
constexpr double kLargeUpdateFraction = 0.4;  // share of macroblocks above which an update is "large"
// Small updates on a fast path: at a bitrate target this high the link is not what limits the session
// (the scheduler cuts the target as soon as a queue stands), so the encoder may spend bytes to save the
// customer's CPU, and the rate control's reach on noise, which -16 narrows, is not needed. Below it the
// main encoder keeps -10. Top-offs too: a sharp refinement at -10 of motion coded at -16 ended a noisy
// photo at 38.3 dB, at -16 at 39.4 (-10 throughout: 39.2; pixel_update_tests). (docs/performance.md,
// "Roaming motion leaves the region stream, and a fast path's speed")
constexpr int kFastPathCpuUsed = -16;
constexpr int kFastPathKbps = 4000;
// Quantizer ranges (0..63). Normal frames may degrade under motion; top-off and keyframes must end sharp.
// Motion frames never go below 24: what moves is refined by a top-off once it stops, and with a floor of 4
// the rate control spent its whole budget on motion (1080p window drag 4.1-4.4 Mbit/s, 2.6 with 24,
// final sharpness unchanged at 47.6 dB; bench/run.py --quick).
constexpr unsigned kNormalMinQ = 24, kNormalMaxQ = 50;
constexpr unsigned kSharpMinQ = 2, kSharpMaxQ = 6;
// The bitrate target while coding a sharp frame. The quantiser range alone does not hold: after 150 inter
// frames libvpx's one-pass rate control (auto_worst_q) lets the worst quantiser float up to the average
// inter-frame one (ni_av_qi, motion's 24-40), and under a small per-frame budget (the scheduler cuts the
// target to a slow link's rate) it picked q 10-31 for top-offs: testsrc2's photo tile ended at ~40 dB
// luma on mobile, a synthetic photo at 45 instead of 49 dB (tests/host/vp8_top_off_test.cpp). With 2
// frames in flight a session rarely reached 150 frames, which is why the wider window seemed to cost
// sharpness. A budget far above any frame lets the rate control keep to the range; what goes out and
// when stays the scheduler's call.
constexpr unsigned kSharpTargetKbps = 500'000;
// Keyframes: one fixed quantiser, so the first picture's size follows the screen, not the rate control's
// state (the path is not known yet when it goes). 40 keeps text recognisable (the bench's 30 dB) at
// about half a sharp keyframe's bytes.
constexpr unsigned kQuickQ = 40;

// libvpx gives each frame the bitrate target's worth of the time since the frame before (its frame rate
// follows the timestamps). After a pause, or while the scheduler's in-flight window holds frames back on
// a link that just got slower, one frame was then hundreds of milliseconds' worth and stood that long in
// the bottleneck's queue: frames sent 180 ms apart on a 3 Mbit/s link were each 180 ms of the link, so
// they kept coming 180 ms apart (rate_control_tests, the 20 -> 3 Mbit/s step: the queue stood 1.8-2.5 s).
// So the encoder's clock advances at most kMaxFrameSpan a frame (video_encoder.hpp), a 20 fps frame's
// interval: a video's frames (30 fps: 33 ms) keep their real spacing.
constexpr auto kMaxFrameSpanUs = static_cast<std::uint64_t>(kMaxFrameSpan.count());

enum class Quality { motion, quick, sharp };

struct CodecDeleter {
  void operator()(vpx_codec_ctx_t* ctx) const {
    vpx_codec_destroy(ctx);
    delete ctx;
  }
};
struct ImageDeleter {
  void operator()(vpx_image_t* img) const { vpx_img_free(img); }
};
using CodecPtr = std::unique_ptr<vpx_codec_ctx_t, CodecDeleter>;
using ImagePtr = std::unique_ptr<vpx_image_t, ImageDeleter>;

Error vpx_error(vpx_codec_ctx_t* ctx, const std::string& what) {
  std::string detail = what + ": " + vpx_codec_error(ctx);
  if (const char* more = vpx_codec_error_detail(ctx)) detail += std::string(" (") + more + ")";
  return make_error(ErrorCode::internal, detail);
}

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

class Vp8Encoder final : public VideoEncoder {
 public:
  explicit Vp8Encoder(const EncoderSettings& settings) : settings_(settings) {}

  std::expected<void, Error> init();
  std::expected<std::optional<EncodedFrame>, Error> encode(const EncodeRequest& request) override;
  void set_target_kbps(int kbps) override;
  int width() const override { return settings_.width; }
  int height() const override { return settings_.height; }

 private:
  std::expected<void, Error> prepare(const EncodeRequest& request, bool full);
  std::expected<void, Error> set_quality(Quality quality);
  std::expected<void, Error> set_cpu_used(int cpu_used);
  std::expected<std::optional<EncodedFrame>, Error> run(const EncodeRequest& request);
  media::I420View view() const;

  EncoderSettings settings_;
  vpx_codec_enc_cfg_t cfg_{};
  CodecPtr codec_;
  ImagePtr image_;
  bool first_frame_ = true;
  Quality quality_ = Quality::motion;
  int cpu_used_ = 0;
  std::int64_t last_pts_ = -1;
  std::uint64_t last_ts_ = 0;  // the caller's timestamp of the last frame
};

std::expected<void, Error> Vp8Encoder::init() {
  const auto w = static_cast<unsigned>(settings_.width), h = static_cast<unsigned>(settings_.height);
  if (settings_.width <= 0 || settings_.height <= 0 || settings_.width > 16384 || settings_.height > 16384 ||
      settings_.target_kbps <= 0 || settings_.max_fps <= 0) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "vp8 encoder: invalid settings"));
  }
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg_, 0) != VPX_CODEC_OK) {
    return std::unexpected(make_error(ErrorCode::internal, "vp8 encoder: no default config"));
  }
  cfg_.g_w = w;
  cfg_.g_h = h;
  cfg_.g_timebase = vpx_rational{1, 1000000};  // microseconds
  cfg_.g_threads = 1;
  cfg_.g_lag_in_frames = 0;
  cfg_.g_pass = VPX_RC_ONE_PASS;
  cfg_.g_error_resilient = 0;  // the transport is reliable (TLS over TCP)
  cfg_.rc_end_usage = VPX_VBR;
  cfg_.rc_target_bitrate = static_cast<unsigned>(settings_.target_kbps);
  cfg_.rc_dropframe_thresh = 0;  // a dropped frame would lose its dirty area
  cfg_.rc_undershoot_pct = 100;
  cfg_.rc_overshoot_pct = 50;
  cfg_.rc_min_quantizer = kNormalMinQ;
  cfg_.rc_max_quantizer = kNormalMaxQ;
  cfg_.kf_mode = VPX_KF_DISABLED;
  cfg_.kf_max_dist = 1u << 30;
  codec_.reset(new vpx_codec_ctx_t{});
  if (vpx_codec_enc_init(codec_.get(), vpx_codec_vp8_cx(), &cfg_, 0) != VPX_CODEC_OK) {
    auto error = vpx_error(codec_.get(), "vp8 encoder init");
    codec_.reset();
    return std::unexpected(error);
  }
  image_.reset(vpx_img_alloc(nullptr, VPX_IMG_FMT_I420, w, h, 16));
  if (!image_) return std::unexpected(make_error(ErrorCode::internal, "vp8 encoder: image allocation failed"));
  if (vpx_codec_control(codec_.get(), VP8E_SET_SCREEN_CONTENT_MODE, 1u) != VPX_CODEC_OK ||
      vpx_codec_control(codec_.get(), VP8E_SET_NOISE_SENSITIVITY, 0u) != VPX_CODEC_OK ||
      vpx_codec_control(codec_.get(), VP8E_SET_TOKEN_PARTITIONS, 0) != VPX_CODEC_OK) {
    return std::unexpected(vpx_error(codec_.get(), "vp8 encoder controls"));
  }
  cpu_used_ = 1000;  // no valid speed: the first set_cpu_used always reaches the codec
  return {};
}

media::I420View Vp8Encoder::view() const {
  return media::I420View{settings_.width,
                         settings_.height,
                         image_->planes[VPX_PLANE_Y],
                         image_->planes[VPX_PLANE_U],
                         image_->planes[VPX_PLANE_V],
                         image_->stride[VPX_PLANE_Y],
                         image_->stride[VPX_PLANE_U],
                         image_->stride[VPX_PLANE_V]};
}

std::expected<void, Error> Vp8Encoder::set_quality(Quality quality) {
  if (quality == quality_) return {};
  const bool motion = quality == Quality::motion, sharp = quality == Quality::sharp;
  cfg_.rc_min_quantizer = motion ? kNormalMinQ : sharp ? kSharpMinQ : kQuickQ;
  cfg_.rc_max_quantizer = motion ? kNormalMaxQ : sharp ? kSharpMaxQ : kQuickQ;
  cfg_.rc_target_bitrate = motion ? static_cast<unsigned>(settings_.target_kbps) : kSharpTargetKbps;
  if (vpx_codec_enc_config_set(codec_.get(), &cfg_) != VPX_CODEC_OK) {
    return std::unexpected(vpx_error(codec_.get(), "vp8 encoder quality"));
  }
  quality_ = quality;
  return {};
}

std::expected<void, Error> Vp8Encoder::set_cpu_used(int cpu_used) {
  if (cpu_used == cpu_used_) return {};
  if (vpx_codec_control(codec_.get(), VP8E_SET_CPUUSED, cpu_used) != VPX_CODEC_OK) {
    return std::unexpected(vpx_error(codec_.get(), "vp8 encoder cpu-used"));
  }
  cpu_used_ = cpu_used;
  return {};
}

// Converts what changed into the persistent codec image and tells libvpx which macroblocks to code.
std::expected<void, Error> Vp8Encoder::prepare(const EncodeRequest& request, bool full) {
  const media::I420View dst = view();
  ActiveMap map = build_active_map(full ? std::vector<Rect>{} : request.dirty, settings_.width, settings_.height);
  if (full) {
    media::bgra_to_i420_area(*request.image, Rect{0, 0, settings_.width, settings_.height}, dst);
  } else {
    for (const Rect& r : request.dirty) media::bgra_to_i420_area(*request.image, r, dst);
  }
  const bool use_map = !full && settings_.active_map;
  vpx_active_map_t active{use_map ? map.cells.data() : nullptr, static_cast<unsigned>(map.rows),
                          static_cast<unsigned>(map.cols)};
  if (vpx_codec_control(codec_.get(), VP8E_SET_ACTIVEMAP, &active) != VPX_CODEC_OK) {
    return std::unexpected(vpx_error(codec_.get(), "vp8 encoder active map"));
  }
  int cpu_used = settings_.region_stream ? kRegionCpuUsed : kSmallUpdateCpuUsed;
  if (settings_.cpu_used) {
    cpu_used = *settings_.cpu_used;
  } else if (!settings_.region_stream &&
             (full || static_cast<double>(map.active_count()) >
                          kLargeUpdateFraction * static_cast<double>(map.cells.size()))) {
    cpu_used = kLargeUpdateCpuUsed;
  } else if (!settings_.region_stream && settings_.target_kbps >= kFastPathKbps) {
    cpu_used = kFastPathCpuUsed;
  }
  return set_cpu_used(cpu_used);
}

std::expected<std::optional<EncodedFrame>, Error> Vp8Encoder::encode(const EncodeRequest& request) {
  const BgraImage* img = request.image;
  if (img == nullptr || img->width != settings_.width || img->height != settings_.height ||
      img->stride < img->width * 4 || img->pixels.size() < static_cast<std::size_t>(img->stride) * img->height) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "vp8 encoder: image does not match"));
  }
  const bool keyframe = request.force_keyframe || first_frame_;
  // A top-off with dirty rectangles refines only those areas (a full-screen refinement of a 1080p frame
  // costs a keyframe's time and delays the next real change); without rectangles it covers everything.
  const bool full = keyframe || (request.top_off && request.dirty.empty());
  // A new region stream starts at motion quality: it is moving content, and the main encoder's top-offs
  // sharpen it once it stops.
  const Quality quality = request.top_off                              ? Quality::sharp
                          : !keyframe || settings_.region_stream       ? Quality::motion
                          : request.quick                              ? Quality::quick
                                                                       : Quality::sharp;
  if (!full && request.dirty.empty()) return std::optional<EncodedFrame>{};
  const auto started = std::chrono::steady_clock::now();
  if (auto ok = prepare(request, full); !ok) return std::unexpected(ok.error());
  if (auto ok = set_quality(quality); !ok) return std::unexpected(ok.error());
  auto frame = run(request);
  if (frame && *frame) {
    first_frame_ = false;
    (*frame)->encode_us = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                        std::chrono::steady_clock::now() - started)
                                                        .count());
  }
  return frame;
}

std::expected<std::optional<EncodedFrame>, Error> Vp8Encoder::run(const EncodeRequest& request) {
  const std::uint64_t ts = request.timestamp_us != 0 ? request.timestamp_us : now_us();
  // pts counts from the first frame, whatever clock the caller uses, and advances by at most
  // kMaxFrameSpanUs a frame (see there).
  const std::int64_t pts =
      last_pts_ < 0 ? 0
                    : last_pts_ + static_cast<std::int64_t>(std::clamp<std::uint64_t>(ts - std::min(ts, last_ts_), 1, kMaxFrameSpanUs));
  last_ts_ = ts;
  last_pts_ = pts;
  const auto duration = static_cast<unsigned long>(1000000 / settings_.max_fps);
  const bool keyframe = request.force_keyframe || first_frame_;
  const vpx_enc_frame_flags_t flags = keyframe ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(codec_.get(), image_.get(), pts, duration, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
    return std::unexpected(vpx_error(codec_.get(), "vp8 encode"));
  }
  std::optional<EncodedFrame> out;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(codec_.get(), &iter)) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    if (!out) out.emplace();
    const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
    out->data.insert(out->data.end(), bytes, bytes + pkt->data.frame.sz);
    out->keyframe = out->keyframe || (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
  }
  return out;
}

void Vp8Encoder::set_target_kbps(int kbps) {
  if (kbps <= 0 || kbps == settings_.target_kbps) return;
  settings_.target_kbps = kbps;
  if (quality_ != Quality::motion) return;  // set_quality applies it when motion frames come back
  cfg_.rc_target_bitrate = static_cast<unsigned>(kbps);
  // A failure leaves the previous target in place, which is safe; the next encode reports real errors.
  vpx_codec_enc_config_set(codec_.get(), &cfg_);
}

}  // namespace

std::expected<std::unique_ptr<VideoEncoder>, Error> make_vp8_encoder(const EncoderSettings& settings) {
  auto encoder = std::make_unique<Vp8Encoder>(settings);
  if (auto ok = encoder->init(); !ok) return std::unexpected(ok.error());
  return encoder;
}

}  // namespace elfdesk::host
