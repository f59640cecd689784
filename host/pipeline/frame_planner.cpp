#include "host/pipeline/frame_planner.hpp"

#include <algorithm>

#include "common/media/colour_convert.hpp"
#include "host/capture/apart_changes.hpp"
#include "host/capture/block_diff.hpp"
#include "host/pipeline/scroll_detector.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {

namespace {

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

// A large change that is mostly a dragged window (the capturer's hint, checked here against the previous
// picture) or a vertical scroll becomes a copy of what the viewer shows plus the rest.
std::optional<Move> find_move(const CapturedFrame& frame) {
  const BgraImage& image = *frame.image;
  if (frame.previous == nullptr || area_of(frame.dirty) <= PixelPolicy{}.max_pixels) return std::nullopt;
  const BgraImage& previous = *frame.previous;
  std::optional<ScrollMatch> match;
  for (const WindowMove& hint : frame.moves)
    if ((match = match_move(previous, image, hint.from, hint.to))) break;
  if (!match)
    match = detect_scroll(previous, image, media::align_rect(bounding_box(frame.dirty), 1, image.width, image.height));
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

// The capturer reports whole 16x16 blocks; exact pixels need only what differs in them (frame.changed).
// One rectangle for each of frame.dirty, in order; only those `wanted` (that may go as pixels) shrink:
// VP8 codes whole blocks anyway. Where nothing differs the block stays, in case we are out of step.
std::vector<Rect> changed_parts(const CapturedFrame& frame, const std::vector<bool>& wanted) {
  std::vector<Rect> out = frame.dirty;
  const bool found = frame.changed.size() == out.size();
  if (!found && frame.previous == nullptr) return out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!wanted[i]) continue;
    // Motion (see kBoundsSearchArea): the capturer left the bounds to us, for the few pieces that want them.
    const Rect inside = found ? frame.changed[i] : changed_bounds(*frame.previous, *frame.image, out[i]);
    if (!inside.empty()) out[i] = inside;
  }
  return out;
}

// Small changes go as exact pixels, all together when the whole change is small; otherwise small pieces
// apart from a large change (a typed character, a marker beside a moving window) go ahead of the VP8
// frame of the rest. Decided on the capturer's blocks (the thresholds were tuned on them).
void plan_exact_pixels(const CapturedFrame& frame, FramePlan& plan) {
  const std::vector<Rect>& dirty = frame.dirty;
  const bool all_small = area_of(dirty) <= PixelPolicy{}.max_pixels;
  const std::vector<bool> small = small_and_apart(dirty);
  const std::vector<Rect> changed = changed_parts(frame, all_small ? std::vector<bool>(dirty.size(), true) : small);
  if (all_small) plan.pixels.push_back(PixelStep{changed, PixelPolicy{}, true});
  std::vector<Rect> ahead, rest;
  for (std::size_t i = 0; i < dirty.size(); ++i) {
    if (small[i]) ahead.push_back(changed[i]);
    else rest.push_back(dirty[i]);
  }
  if (ahead.empty() || rest.empty()) return;
  plan.pixels.push_back(PixelStep{std::move(ahead), PixelPolicy{}, false});
  plan.rest = std::move(rest);
}

}  // namespace

std::vector<protocol::ScreenRect> screen_rects(const std::vector<Rect>& rects) {
  std::vector<protocol::ScreenRect> out;
  out.reserve(rects.size());
  for (const Rect& r : rects)
    out.push_back({static_cast<std::uint16_t>(r.x), static_cast<std::uint16_t>(r.y),
                   static_cast<std::uint16_t>(r.width), static_cast<std::uint16_t>(r.height)});
  return out;
}

std::vector<Rect> coded_area(const std::vector<Rect>& dirty, bool top_off, const BgraImage& image) {
  if (dirty.empty() && top_off) return {Rect{0, 0, image.width, image.height}};
  std::vector<Rect> out;
  for (const Rect& r : dirty)
    if (const Rect block = media::align_rect(r, 16, image.width, image.height); !block.empty()) out.push_back(block);
  if (out.size() > limits::kMaxUpdateRects) return {Rect{0, 0, image.width, image.height}};  // never on the wire cap
  return out;
}

FramePlan plan_frame(const CapturedFrame& frame, bool keyframe, bool exact_pixels) {
  FramePlan plan;
  plan.keyframe = keyframe || frame.size_changed;
  plan.vp8 = frame.dirty;
  if (plan.keyframe) return plan;
  plan.move = find_move(frame);
  if (plan.move) {
    // A move whose uncovered area compresses well (a scroll's new lines, the desktop behind a dragged
    // window) goes entirely as exact pixels: nothing to refine later. In whole blocks, so no block is left
    // half copied (maybe blurred) and half exact.
    plan.vp8 = plan.move->residual;
    if (exact_pixels)
      plan.pixels.push_back(
          PixelStep{coded_area(plan.move->residual, false, *frame.image), uncovered_policy(*frame.image), true});
    return plan;
  }
  if (exact_pixels) plan_exact_pixels(frame, plan);
  return plan;
}

}  // namespace elfdesk::host
