#include "host/pipeline/video_streamer.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include "common/log.hpp"
#include "protocol/limits.hpp"
#include "common/media/colour_convert.hpp"
#include "host/capture/block_diff.hpp"
#include "host/encode/pixel_encoder.hpp"
#include "host/pipeline/scroll_detector.hpp"

namespace elfdesk::host {

using namespace std::chrono_literals;

namespace {

std::vector<protocol::ScreenRect> screen_rects(const std::vector<Rect>& rects) {
  std::vector<protocol::ScreenRect> out;
  out.reserve(rects.size());
  for (const Rect& r : rects)
    out.push_back({static_cast<std::uint16_t>(r.x), static_cast<std::uint16_t>(r.y),
                   static_cast<std::uint16_t>(r.width), static_cast<std::uint16_t>(r.height)});
  return out;
}

// The smallest rectangle holding all of `rects` (empty for none).
Rect bounding_box(const std::vector<Rect>& rects) {
  if (rects.empty()) return {};
  int x0 = rects.front().x, y0 = rects.front().y, x1 = x0, y1 = y0;
  for (const Rect& r : rects) {
    x0 = std::min(x0, r.x);
    y0 = std::min(y0, r.y);
    x1 = std::max(x1, r.x + r.width);
    y1 = std::max(y1, r.y + r.height);
  }
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

long area_of(const std::vector<Rect>& rects) {
  long sum = 0;
  for (const Rect& r : rects) sum += static_cast<long>(r.width) * r.height;
  return sum;
}

// What a move uncovered (a scroll's new lines, the desktop behind a dragged window): a few full-width text
// lines are more than a small change, but as text or flat colour they still compress far better than VP8
// codes them (and arrive exact).
PixelPolicy uncovered_policy(const BgraImage& image) {
  PixelPolicy policy;
  policy.max_pixels = image.width * 96;
  return policy;
}

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

// Which rectangles are small (up to 32x32 pixels) and well away from the large ones. Fragments at the edge
// of a large change (a dragged window's outline) stay with it: split off, they cost more bytes than time.
std::vector<bool> small_and_apart(const std::vector<Rect>& rects) {
  constexpr long kSmall = 32L * 32;
  constexpr int kApart = 32;
  const auto is_small = [](const Rect& r) { return static_cast<long>(r.width) * r.height <= kSmall; };
  std::vector<Rect> larger;
  std::copy_if(rects.begin(), rects.end(), std::back_inserter(larger), [&](const Rect& r) { return !is_small(r); });
  const Rect large = bounding_box(larger);
  const auto near_large = [&](const Rect& r) {
    return !large.empty() && r.x < large.x + large.width + kApart && large.x < r.x + r.width + kApart &&
           r.y < large.y + large.height + kApart && large.y < r.y + r.height + kApart;
  };
  std::vector<bool> out;
  out.reserve(rects.size());
  for (const Rect& r : rects) out.push_back(is_small(r) && !near_large(r));
  return out;
}

// What a delta frame changes in the viewer: the macroblocks of its active map, or all of a full top-off.
std::vector<Rect> coded_area(const std::vector<Rect>& dirty, bool top_off, const BgraImage& image) {
  if (dirty.empty() && top_off) return {Rect{0, 0, image.width, image.height}};
  std::vector<Rect> out;
  for (const Rect& r : dirty)
    if (const Rect block = media::align_rect(r, 16, image.width, image.height); !block.empty()) out.push_back(block);
  if (out.size() > limits::kMaxUpdateRects) return {Rect{0, 0, image.width, image.height}};  // never on the wire cap
  return out;
}

// `r` without the part inside `hole`: up to four rectangles (above, below, left, right of it).
void subtract(const Rect& r, const Rect& hole, std::vector<Rect>& out) {
  const int x0 = std::max(r.x, hole.x), y0 = std::max(r.y, hole.y);
  const int x1 = std::min(r.x + r.width, hole.x + hole.width), y1 = std::min(r.y + r.height, hole.y + hole.height);
  if (x0 >= x1 || y0 >= y1) {
    out.push_back(r);
    return;
  }
  if (y0 > r.y) out.push_back(Rect{r.x, r.y, r.width, y0 - r.y});
  if (y1 < r.y + r.height) out.push_back(Rect{r.x, y1, r.width, r.y + r.height - y1});
  if (x0 > r.x) out.push_back(Rect{r.x, y0, x0 - r.x, y1 - y0});
  if (x1 < r.x + r.width) out.push_back(Rect{x1, y0, r.x + r.width - x1, y1 - y0});
}

}  // namespace

VideoStreamer::VideoStreamer(std::unique_ptr<ScreenCapturer> capturer, StreamerCallbacks callbacks,
                             SchedulerConfig config)
    : capturer_(std::move(capturer)),
      callbacks_(std::move(callbacks)),
      scheduler_(clock_, config),
      top_off_(config.top_off_delay, config.top_off_delay * 2, static_cast<bool>(callbacks_.send_pixels)) {}

VideoStreamer::~VideoStreamer() { stop(); }

void VideoStreamer::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void VideoStreamer::stop() {
  running_ = false;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void VideoStreamer::on_ack(std::uint64_t frame_id) {
  if (scheduler_.on_ack(frame_id)) wake_.notify_all();
}

void VideoStreamer::request_keyframe() {
  scheduler_.request_keyframe();
  wake_.notify_all();
}

void VideoStreamer::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(wake_mutex_);
  wake_.wait_for(lock, d);
}

void VideoStreamer::poll_cursor() {
  auto cursor = capturer_->cursor();
  if (!cursor) return;
  if (cursor->shape && callbacks_.send_cursor_shape) {
    const CursorImage& s = *cursor->shape;
    callbacks_.send_cursor_shape(protocol::CursorShape{s.serial, static_cast<std::uint16_t>(s.width),
                                                       static_cast<std::uint16_t>(s.height),
                                                       static_cast<std::uint16_t>(s.hot_x),
                                                       static_cast<std::uint16_t>(s.hot_y), s.rgba});
  }
  if ((cursor->x != last_cursor_.x || cursor->y != last_cursor_.y || cursor->visible != last_cursor_.visible) &&
      callbacks_.send_cursor_position) {
    callbacks_.send_cursor_position(protocol::CursorPosition{cursor->x, cursor->y, cursor->visible});
  }
  last_cursor_.x = cursor->x;
  last_cursor_.y = cursor->y;
  last_cursor_.visible = cursor->visible;
}

VideoStreamer::Sent VideoStreamer::encode_and_send(const BgraImage& image, std::vector<Rect> dirty, bool keyframe,
                                                   bool top_off, std::uint64_t capture_time_us,
                                                   std::uint32_t capture_us,
                                                   std::vector<protocol::ScreenCopy> copies) {
  if (!encoder_ || encoder_->width() != image.width || encoder_->height() != image.height) {
    auto made = make_vp8_encoder(EncoderSettings{image.width, image.height, scheduler_.target_kbps(), 30});
    if (!made) {
      log::error("cannot create the video encoder: {}", made.error().detail);
      return Sent::none;
    }
    encoder_ = std::move(*made);
    keyframe = true;
  }
  if (const int kbps = scheduler_.target_kbps(); kbps != applied_kbps_) {
    encoder_->set_target_kbps(kbps);
    applied_kbps_ = kbps;
  }
  if (keyframe) dirty = {Rect{0, 0, image.width, image.height}};
  // The viewer paints whole macroblocks of a delta, so the encoder must take whole blocks from the screen.
  std::vector<Rect> coded = coded_area(dirty, top_off, image);
  if (!dirty.empty() && !keyframe) dirty = coded;
  auto encoded = encoder_->encode(EncodeRequest{&image, std::move(dirty), keyframe, top_off});
  if (!encoded) {
    log::error("encoding failed: {}", encoded.error().detail);
    scheduler_.request_keyframe();
    return Sent::none;
  }
  if (!*encoded) return Sent::none;
  const auto id = next_frame_id_++;
  protocol::VideoFrame frame;
  frame.frame_id = id;
  frame.capture_time_us = capture_time_us;
  frame.width = static_cast<std::uint16_t>(image.width);
  frame.height = static_cast<std::uint16_t>(image.height);
  frame.keyframe = (*encoded)->keyframe;
  if (!frame.keyframe) {
    frame.coded = screen_rects(coded);
    frame.copies = std::move(copies);
  }
  frame.timings = {capture_us, (*encoded)->encode_us,
                   static_cast<std::uint32_t>(monotonic_us() - capture_time_us - capture_us - (*encoded)->encode_us)};
  frame.data = std::move((*encoded)->data);
  scheduler_.on_sent(id, frame.data.size());
  frames_sent_++;
  const bool sent_keyframe = frame.keyframe;
  callbacks_.send_frame(std::move(frame));
  return sent_keyframe ? Sent::keyframe : Sent::delta;
}

// Small changes go out as exact pixels when that is cheaper than VP8 (see pixel_encoder.hpp). The VP8
// encoder never sees them: its reference keeps the old content there, which is harmless because the
// viewer takes each VP8 frame only inside its coded areas, and a later VP8 frame over the same blocks is
// coded against whatever the encoder holds. Exact blocks need no top-off.
bool VideoStreamer::send_as_pixels(const CapturedFrame& frame, const std::vector<Rect>& rects,
                                   const PixelPolicy& policy, const Move* move) {
  if (!callbacks_.send_pixels) return false;
  const auto start = monotonic_us();
  auto pixels = encode_pixels(*frame.image, rects, policy);
  if (!pixels) return false;
  const auto id = next_frame_id_++;
  protocol::PixelUpdate update;
  update.frame_id = id;
  update.capture_time_us = frame.capture_time_us;
  update.width = static_cast<std::uint16_t>(frame.image->width);
  update.height = static_cast<std::uint16_t>(frame.image->height);
  const auto done = monotonic_us();
  update.timings = {frame.capture_us, static_cast<std::uint32_t>(done - start),
                    static_cast<std::uint32_t>(start - std::min(start, frame.capture_time_us + frame.capture_us))};
  if (move) update.copies = move->copies;
  update.rects = screen_rects(pixels->rects);
  update.format = pixels->format;
  update.raw_size = pixels->raw_size;
  update.bgra_zstd = std::move(pixels->bgra_zstd);
  scheduler_.on_sent(id, update.bgra_zstd.size());
  frames_sent_++;
  // The viewer applies the copy first, then the pixels; the tracker follows in that order (the copy's
  // source may lie under the new pixels, and moves the state it had before them).
  if (move) top_off_.on_copy(move->band, move->dx, move->dy, clock_.now());
  top_off_.on_exact(pixels->rects);
  callbacks_.send_pixels(std::move(update));
  return true;
}

// A large change that is mostly a dragged window (the capturer's hint, checked here) or a vertical scroll
// becomes a copy of what the viewer shows plus the rest (what the move uncovered, a scroll's new lines).
// The copied area carries whatever quality its source had (TopOffTracker::on_copy).
std::optional<VideoStreamer::Move> VideoStreamer::find_move(const CapturedFrame& frame) const {
  const BgraImage& image = *frame.image;
  if (area_of(frame.dirty) <= PixelPolicy{}.max_pixels || previous_.width != image.width ||
      previous_.height != image.height)
    return std::nullopt;
  std::optional<ScrollMatch> match;
  for (const WindowMove& hint : frame.moves)
    if ((match = match_move(previous_, image, hint.from, hint.to))) break;
  if (!match)
    match = detect_scroll(previous_, image, media::align_rect(bounding_box(frame.dirty), 1, image.width, image.height));
  if (!match) return std::nullopt;
  Move move;
  for (const Rect& r : frame.dirty) subtract(r, match->area, move.residual);
  if (move.residual.empty()) return std::nullopt;  // a VP8 frame must carry the copy
  move.band = match->area;
  move.dx = match->dx;
  move.dy = match->dy;
  move.copies.push_back(protocol::ScreenCopy{
      screen_rects({Rect{move.band.x + move.dx, move.band.y + move.dy, move.band.width, move.band.height}}).front(),
      static_cast<std::uint16_t>(move.band.x), static_cast<std::uint16_t>(move.band.y)});
  return move;
}

// The capturer reports whole 16x16 blocks; exact pixels need only what differs in them (a typed character
// is a tenth of its block). One rectangle for each of frame.dirty, in order; only those `wanted` (the ones
// that may go as pixels) are compared, the others stay as they are: VP8 codes whole blocks anyway.
std::vector<Rect> VideoStreamer::changed_parts(const CapturedFrame& frame, const std::vector<bool>& wanted) const {
  const BgraImage& image = *frame.image;
  std::vector<Rect> out = frame.dirty;
  if (previous_.width != image.width || previous_.height != image.height) return out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!wanted[i]) continue;
    // Nothing differs: keep the block, in case we are out of step.
    if (const Rect changed = changed_bounds(previous_, image, out[i]); !changed.empty()) out[i] = changed;
  }
  return out;
}

void VideoStreamer::remember(const CapturedFrame& frame) {
  const BgraImage& image = *frame.image;
  if (previous_.width != image.width || previous_.height != image.height) {
    previous_ = image;
    return;
  }
  for (const Rect& r : frame.dirty) {
    const Rect c = media::align_rect(r, 1, image.width, image.height);
    for (int y = c.y; y < c.y + c.height; ++y)
      std::memcpy(previous_.row(y) + static_cast<std::size_t>(c.x) * 4, image.row(y) + static_cast<std::size_t>(c.x) * 4,
                  static_cast<std::size_t>(c.width) * 4);
  }
}

// Refines blurred blocks that are due (see TopOffTracker) with one sharp VP8 frame, from the last captured
// picture, which still holds those areas.
bool VideoStreamer::top_off_due_areas() {
  if (!last_image_) return false;
  const auto area = top_off_.due(clock_.now());
  if (area.empty()) return false;
  switch (encode_and_send(*last_image_, area, false, true, monotonic_us(), 0)) {
    case Sent::delta: top_off_.on_sharpened(area); break;
    case Sent::keyframe: top_off_.on_keyframe(last_image_->width, last_image_->height); break;
    case Sent::none: top_off_.on_delta(area, clock_.now()); break;  // try again after the delay
  }
  return true;
}

// One update of the lossless pass, once the screen has settled and a capture found nothing new: every block
// not yet exact, cut into tiles; text, flat UI and gradients go as exact pixels (one update's worth per
// call, the rest stay due), photos keep VP8's sharp quality. Only when idle, because a new change must not
// wait behind it; and only when settled: sorting a playing video's hundreds of small still pieces into
// tiles, and sending two updates instead of one, put its p95 latency at 34-44 ms in four runs (bench,
// video 640x360 at 1080p; 26-29 ms without).
void VideoStreamer::lossless_pass() {
  if (!last_image_) return;
  const auto candidates = top_off_.lossless_due(clock_.now());
  if (candidates.empty()) return;
  const PixelPolicy policy = refine_policy();
  const TileSplit split = split_exact_tiles(*last_image_, candidates, policy, policy.max_pixels);
  top_off_.on_kept_lossy(split.lossy);  // blurred blocks among them stay due for their VP8 top-off
  const CapturedFrame picture{last_image_, {}, false, monotonic_us(), 0};
  if (split.exact.empty() || send_as_pixels(picture, split.exact, policy)) return;
  top_off_.on_kept_lossy(split.exact);  // together over the budget after all: never try them again
}

void VideoStreamer::run() {
  while (running_) {
    poll_cursor();
    if (!scheduler_.can_send()) {
      wait_for(std::max(scheduler_.wait_hint(), 5ms));
      continue;
    }
    const bool keyframe = scheduler_.take_keyframe_request();
    // Before new damage: while something keeps changing, areas that stopped must still get their turn.
    if (!keyframe && top_off_due_areas()) continue;
    const auto wait = keyframe ? 0ms : std::clamp(top_off_.time_to_due(clock_.now()), 1ms, 30ms);
    auto captured = capturer_->capture(wait, keyframe);
    if (!captured) {
      if (captured.error().code == ErrorCode::unavailable) {
        if (callbacks_.on_fatal) callbacks_.on_fatal(captured.error());
        return;
      }
      log::warn("capture failed: {}", captured.error().detail);
      if (keyframe) scheduler_.request_keyframe();
      wait_for(100ms);
      continue;
    }
    if (!*captured) {
      if (!keyframe) lossless_pass();  // nothing changed: time to make the picture exact
      continue;
    }
    const CapturedFrame& frame = **captured;
    last_image_ = frame.image;
    const bool force = keyframe || frame.size_changed;
    std::optional<Move> move = force ? std::nullopt : find_move(frame);
    // What goes as pixels and what as VP8 is decided on the capturer's blocks (the thresholds were tuned
    // on them); what goes as pixels is only what changed inside them, found by comparing with the previous
    // capture (so before remember()) and only where pixels may go out: not on a drag's large blocks.
    std::vector<Rect> dirty = frame.dirty;
    const bool pixels_possible = !force && !move;
    const bool all_small = pixels_possible && area_of(dirty) <= PixelPolicy{}.max_pixels;
    const std::vector<bool> small = pixels_possible ? small_and_apart(dirty) : std::vector<bool>{};
    const std::vector<Rect> changed =
        pixels_possible ? changed_parts(frame, all_small ? std::vector<bool>(dirty.size(), true) : small)
                        : std::vector<Rect>{};
    remember(frame);
    // A move whose uncovered area compresses well (a scroll's new lines, the desktop behind a dragged
    // window) goes entirely as exact pixels: nothing to refine later. In whole blocks, so no block is left
    // half copied (maybe blurred) and half exact.
    if (move && send_as_pixels(frame, coded_area(move->residual, false, *frame.image), uncovered_policy(*frame.image),
                               &*move))
      continue;
    if (pixels_possible) {
      if (all_small && send_as_pixels(frame, changed)) continue;
      // Small pieces apart from a large change (a typed character, a marker beside a moving window) go
      // ahead as exact pixels instead of waiting for the VP8 frame of the rest.
      std::vector<Rect> ahead, rest;
      for (std::size_t i = 0; i < dirty.size(); ++i) {
        if (small[i]) ahead.push_back(changed[i]);
        else rest.push_back(dirty[i]);
      }
      if (!ahead.empty() && !rest.empty() && send_as_pixels(frame, ahead)) dirty = std::move(rest);
    }
    const Sent sent = move ? encode_and_send(*frame.image, move->residual, false, false, frame.capture_time_us,
                                             frame.capture_us, std::move(move->copies))
                           : encode_and_send(*frame.image, dirty, force, false, frame.capture_time_us,
                                             frame.capture_us);
    if (sent == Sent::keyframe) {
      top_off_.on_keyframe(frame.image->width, frame.image->height);
    } else if (move && sent == Sent::delta) {
      // The copied area holds what its source held, also where it did not change (and may now be blurred).
      top_off_.on_copy(move->band, move->dx, move->dy, clock_.now());
      top_off_.on_delta(move->residual, clock_.now());
    } else {
      // Also when nothing went out: a top-off recovers it (all of a move's change, then).
      top_off_.on_delta(move ? frame.dirty : dirty, clock_.now());
      if (force) scheduler_.request_keyframe();
    }
  }
}

}  // namespace elfdesk::host
