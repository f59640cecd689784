#include "host/pipeline/frame_sender.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "host/pipeline/rate_trace.hpp"

namespace elfdesk::host {

namespace {

// The lossless pass: whatever size, in updates of up to 128K pixels (64 KiB at most at the budget, so an
// update in flight never holds back the next change for long on a slow link), but only tiles that compress
// to half a byte a pixel or less, like small changes. Terminal text and flat UI need 0.02-0.05 (the bench
// desktop's 720p screen: 81 KB), window title bars with a gradient and anti-aliased text more than 1/8
// (they failed that budget); photos need 1-3 and keep VP8's sharp quality.
PixelPolicy refine_policy() {
  PixelPolicy policy;
  policy.max_pixels = 128 * 1024;
  return policy;
}

// Time spent on work is measured on the real clock (it is a statistic, never a decision).
std::uint32_t microseconds_since(std::uint64_t start_us) {
  return static_cast<std::uint32_t>(monotonic_us() - start_us);
}

}  // namespace

FrameSender::FrameSender(const Clock& clock, FrameScheduler& scheduler, EncoderFactory make_encoder,
                         PictureOutput output, std::chrono::milliseconds top_off_delay)
    : clock_(clock),
      scheduler_(scheduler),
      make_encoder_(make_encoder ? std::move(make_encoder) : EncoderFactory(make_vp8_encoder)),
      output_(std::move(output)),
      top_off_(top_off_delay, top_off_delay * 2, static_cast<bool>(output_.send_pixels)) {
  if (output_.send_region) region_.emplace(make_encoder_);
  if (output_.send_scaled) scaled_.emplace(make_encoder_);
}

void FrameSender::count_sent(std::uint64_t frame_id, std::size_t bytes, int budget_kbps) {
  scheduler_.on_sent(frame_id, bytes, budget_kbps);
  trace_rate(scheduler_, frame_id, bytes, budget_kbps);
  frames_sent_++;
  bytes_sent_ += bytes;
}

std::uint64_t FrameSender::now_us() const {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_.now().time_since_epoch()).count();
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(us), 1);  // 0 would mean "now" to the encoder
}

// A new encoder for the first frame and every new screen size; its first frame is a keyframe.
bool FrameSender::ready_encoder(const BgraImage& image, bool& keyframe) {
  if (!encoder_ || encoder_->width() != image.width || encoder_->height() != image.height) {
    auto made = make_encoder_(EncoderSettings{image.width, image.height, scheduler_.target_kbps(), 30});
    if (!made) {
      log::error("cannot create the video encoder: {}", made.error().detail);
      return false;
    }
    encoder_ = std::move(*made);
    keyframe = true;
  }
  if (const int kbps = scheduler_.target_kbps(); kbps != applied_kbps_) {
    encoder_->set_target_kbps(kbps);
    applied_kbps_ = kbps;
  }
  return true;
}

FrameSender::Sent FrameSender::encode_and_send(const BgraImage& image, std::vector<Rect> dirty, bool keyframe,
                                               bool top_off, Stamp stamp, std::vector<protocol::ScreenCopy> copies) {
  if (!ready_encoder(image, keyframe)) return Sent::none;
  if (keyframe) dirty = {Rect{0, 0, image.width, image.height}};
  // The viewer paints whole macroblocks of a delta, so the encoder must take whole blocks from the screen.
  std::vector<Rect> coded = coded_area(dirty, top_off, image);
  if (!dirty.empty() && !keyframe) dirty = coded;
  // Motion inside a small area goes to the region stream; a keyframe starts it over. Refinements stay
  // with the main encoder, which codes whatever blocks it is given from the screen as it is now.
  if (region_ && keyframe) region_->reset();
  if (scaled_ && keyframe) scaled_->reset();
  const bool motion = !keyframe && !top_off && !coded.empty();
  if (region_ && motion && region_->place(coded, image) && send_region(image, coded, stamp, copies))
    return Sent::delta;
  // Large motion that goes on goes at a lower resolution; what it codes is blurred for the tracker, which
  // has the main encoder sharpen it once still, like any motion.
  if (scaled_ && motion && scaled_->wants(coded, image, clock_.now()) && send_scaled(image, coded, stamp, copies))
    return Sent::delta;
  // Rate control runs on the loop's clock (the steady clock in the product, a manual one in tests).
  // Keyframes go quick and coarse (issue 13's first picture); the tracker has every block sharpened after.
  auto encoded =
      encoder_->encode(EncodeRequest{&image, std::move(dirty), keyframe, top_off, now_us(), /*quick=*/true});
  if (!encoded) {
    log::error("encoding failed: {}", encoded.error().detail);
    scheduler_.request_keyframe();
    return Sent::none;
  }
  if (!*encoded) return Sent::none;
  protocol::VideoFrame frame;
  frame.frame_id = next_frame_id_++;
  frame.capture_time_us = stamp.capture_time_us;
  frame.width = static_cast<std::uint16_t>(image.width);
  frame.height = static_cast<std::uint16_t>(image.height);
  frame.keyframe = (*encoded)->keyframe;
  if (!frame.keyframe) {
    frame.coded = screen_rects(coded);
    frame.copies = std::move(copies);
  }
  // queue_us stays 0: the Connection fills it in when it writes the frame.
  frame.timings = {stamp.capture_us, (*encoded)->encode_us, 0};
  frame.data = std::move((*encoded)->data);
  count_sent(frame.frame_id, frame.data.size());
  const bool sent_keyframe = frame.keyframe;
  output_.send_frame(std::move(frame));
  return sent_keyframe ? Sent::keyframe : Sent::delta;
}

// A frame of the region or the scaled stream: numbered like any other, with what both streams' frames
// carry (the stream's own fields are the caller's).
template <class Frame, class Coded>
Frame FrameSender::stream_frame(const BgraImage& image, Stamp stamp, const std::vector<Rect>& coded,
                                std::vector<protocol::ScreenCopy>& copies, Coded& encoded) {
  Frame frame;
  frame.frame_id = next_frame_id_++;
  frame.capture_time_us = stamp.capture_time_us;
  frame.width = static_cast<std::uint16_t>(image.width);
  frame.height = static_cast<std::uint16_t>(image.height);
  frame.keyframe = encoded.keyframe;
  frame.timings = {stamp.capture_us, encoded.encode_us, 0};  // queue_us: filled in when written
  frame.generation = encoded.generation;
  frame.coded = screen_rects(coded);
  frame.copies = std::move(copies);
  frame.data = std::move(encoded.data);
  return frame;
}

// One region frame for `coded`, numbered and paced like any other. False (nothing sent) when the region
// encoder failed or dropped it: the main encoder codes the frame instead.
bool FrameSender::send_region(const BgraImage& image, const std::vector<Rect>& coded, Stamp stamp,
                              std::vector<protocol::ScreenCopy>& copies) {
  auto encoded = region_->encode(image, coded, scheduler_.target_kbps(), now_us());
  if (!encoded) {
    log::warn("region encoding failed: {}", encoded.error().detail);
    region_->reset();
    return false;
  }
  if (!*encoded) return false;
  RegionCoded& region = **encoded;
  auto frame = stream_frame<protocol::RegionFrame>(image, stamp, coded, copies, region);
  frame.region = screen_rects({region.region}).front();
  count_sent(frame.frame_id, frame.data.size(), region.kbps);
  output_.send_region(std::move(frame));
  return true;
}

// One frame of the scaled stream for `coded`; false (nothing sent) when its encoder failed or dropped it,
// and the main encoder codes the frame instead.
bool FrameSender::send_scaled(const BgraImage& image, const std::vector<Rect>& coded, Stamp stamp,
                              std::vector<protocol::ScreenCopy>& copies) {
  auto encoded = scaled_->encode(image, coded, scheduler_.target_kbps(), now_us());
  if (!encoded) {
    log::warn("scaled encoding failed: {}", encoded.error().detail);
    return false;
  }
  if (!*encoded) return false;
  ScaledCoded& scaled = **encoded;
  auto frame = stream_frame<protocol::ScaledFrame>(image, stamp, coded, copies, scaled);
  frame.scale = static_cast<std::uint8_t>(ScaledStream::kScale);
  count_sent(frame.frame_id, frame.data.size(), scaled.kbps);
  output_.send_scaled(std::move(frame));
  return true;
}

// Exact pixels go out when that is cheaper than VP8 (see pixel_encoder.hpp). The VP8 encoder never sees
// them: its reference keeps the old content there, which is harmless because the viewer takes each VP8
// frame only inside its coded areas, and a later VP8 frame over the same blocks is coded against whatever
// the encoder holds. Exact blocks need no top-off.
bool FrameSender::send_pixels(const BgraImage& image, Stamp stamp, const PixelStep& step, const Move* move) {
  if (!output_.send_pixels) return false;
  const auto start = monotonic_us();
  PixelPolicy policy = step.policy;
  policy.patch = static_cast<bool>(output_.send_patch);
  auto pixels = encode_pixels(image, step.rects, policy);
  if (!pixels) return false;
  const auto fill = [&](auto update) {
    update.frame_id = next_frame_id_++;
    update.capture_time_us = stamp.capture_time_us;
    update.width = static_cast<std::uint16_t>(image.width);
    update.height = static_cast<std::uint16_t>(image.height);
    update.timings = {stamp.capture_us, microseconds_since(start), 0};  // queue_us: filled in when written
    if (move) update.copies = move->copies;
    update.rects = screen_rects(pixels->rects);
    update.format = pixels->format;
    update.raw_size = pixels->raw_size;
    return update;
  };
  std::uint64_t frame_id = 0;
  std::size_t bytes = pixels->bgra_zstd.size();
  protocol::PixelPatch patch;
  protocol::PixelUpdate update;
  if (policy.patch) {
    patch = fill(protocol::PixelPatch{});
    patch.compressed = pixels->compressed;
    patch.data = std::move(pixels->bgra_zstd);
    frame_id = patch.frame_id;
  } else {
    update = fill(protocol::PixelUpdate{});
    update.bgra_zstd = std::move(pixels->bgra_zstd);
    frame_id = update.frame_id;
  }
  count_sent(frame_id, bytes);
  // The viewer applies the copy first, then the pixels; the tracker follows in that order (the copy's
  // source may lie under the new pixels, and moves the state it had before them).
  if (move) top_off_.on_copy(move->band, move->dx, move->dy, clock_.now());
  top_off_.on_exact(pixels->rects);
  if (policy.patch) output_.send_patch(std::move(patch));
  else output_.send_pixels(std::move(update));
  return true;
}

void FrameSender::send(const CapturedFrame& frame, const FramePlan& plan) {
  const BgraImage& image = *frame.image;
  const Stamp stamp{frame.capture_time_us, frame.capture_us};
  const Move* move = plan.move ? &*plan.move : nullptr;
  const std::vector<Rect>* vp8 = &plan.vp8;
  for (const PixelStep& step : plan.pixels) {
    if (!send_pixels(image, stamp, step, move)) continue;
    if (step.completes) return;
    vp8 = &plan.rest;  // the copy went with the pixels
    move = nullptr;
    break;
  }
  const Sent sent =
      encode_and_send(image, *vp8, plan.keyframe, false, stamp, move ? move->copies : std::vector<protocol::ScreenCopy>{});
  const auto now = clock_.now();
  if (sent == Sent::keyframe) {
    top_off_.on_quick_keyframe(image.width, image.height, now);  // asked for quick (encode_and_send)
  } else if (move && sent == Sent::delta) {
    // The copied area holds what its source held, also where it did not change (and may now be blurred).
    top_off_.on_copy(move->band, move->dx, move->dy, now);
    top_off_.on_delta(move->residual, now);
  } else {
    // Also when nothing went out: a top-off recovers it (all of a move's change, then).
    top_off_.on_delta(move ? frame.dirty : *vp8, now);
    if (plan.keyframe) scheduler_.request_keyframe();
  }
}

bool FrameSender::top_off(const BgraImage& image) {
  const auto area = top_off_.due(clock_.now());
  if (area.empty()) return false;
  switch (encode_and_send(image, area, false, true, Stamp{now_us(), 0})) {
    case Sent::delta: top_off_.on_sharpened(area, clock_.now()); break;
    case Sent::keyframe: top_off_.on_quick_keyframe(image.width, image.height, clock_.now()); break;
    case Sent::none: top_off_.on_delta(area, clock_.now()); break;  // try again after the delay
  }
  return true;
}

// Every block not yet exact, cut into tiles; text, flat UI and gradients go as exact pixels (one update's
// worth per call, the rest stay due), photos keep VP8's sharp quality. Only when idle, because a new change
// must not wait behind it; and before the screen settles only for sharp blocks whose neighbourhood has
// been still for a while (TopOffTracker::lossless_due): sorting a playing video's hundreds of small still
// pieces into tiles, and sending two updates instead of one, put its p95 latency at 34-44 ms in four runs
// (bench, video 640x360 at 1080p; 26-29 ms without).
void FrameSender::lossless_pass(const BgraImage& image) {
  const auto now = clock_.now();
  const auto candidates = top_off_.lossless_due(now);
  if (candidates.empty()) return;
  const PixelPolicy policy = refine_policy();
  // While something keeps changing elsewhere (a video), an update may take no more of the link than a
  // picture's share: about 40 ms of the target rate at half a byte a pixel, one tile at least.
  long max_pixels = policy.max_pixels;
  if (!top_off_.settled(now))
    max_pixels = std::clamp(static_cast<long>(scheduler_.target_kbps()) * 10, long{kExactTile} * kExactTile, max_pixels);
  TileSplit split = split_exact_tiles(image, candidates, policy, max_pixels);
  top_off_.on_kept_lossy(split.lossy);  // blurred blocks among them stay due for their VP8 top-off
  if (split.exact.empty() || send_pixels(image, Stamp{now_us(), 0}, PixelStep{split.exact, policy, true}, nullptr))
    return;
  top_off_.on_kept_lossy(split.exact);  // together over the budget after all: never try them again
}

}  // namespace elfdesk::host
