// Decides how one captured frame goes to the viewer: a copy of what it already shows (a scroll, a dragged
// window), exact pixels for small changes, VP8 with an active map for the rest, or a keyframe. Pure
// functions of the frame (its picture, the previous one, what changed and moved): no clock, no encoder,
// no state; FrameSender carries the plan out. Video thread.
#pragma once
#include <optional>
#include <vector>

#include "common/image.hpp"
#include "host/capture/screen_capturer.hpp"
#include "host/encode/pixel_encoder.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

// A scroll or a dragged window inside the frame's change: the copy for the viewer and what is left.
struct Move {
  std::vector<protocol::ScreenCopy> copies;
  std::vector<Rect> residual;  // what the move uncovered, and any other change
  Rect band;                   // where the copy lands
  int dx = 0, dy = 0;          // its source is this far right and down
};

// Exact pixels to try; they go out only if they compress within `policy`.
struct PixelStep {
  std::vector<Rect> rects;
  PixelPolicy policy;
  bool completes = true;  // the frame is done when they go out; otherwise VP8 codes FramePlan::rest
};

struct FramePlan {
  bool keyframe = false;          // the whole screen as a VP8 keyframe (asked for, or a new screen size)
  std::optional<Move> move;       // its copy rides in whichever message goes out first
  std::vector<PixelStep> pixels;  // tried in order; the first that fits goes out, the others do not
  std::vector<Rect> rest;         // VP8 after a step that does not complete the frame went out
  std::vector<Rect> vp8;          // VP8 when no step went out: the move's residual, or the change
};

// `keyframe`: the viewer asked for one. `exact_pixels`: PixelUpdates can be sent.
FramePlan plan_frame(const CapturedFrame& frame, bool keyframe, bool exact_pixels);

// What a delta frame changes in the viewer: the macroblocks of its active map (block-aligned `dirty`), or
// the whole screen for a full top-off or when the blocks would not fit in one message.
std::vector<Rect> coded_area(const std::vector<Rect>& dirty, bool top_off, const BgraImage& image);

std::vector<protocol::ScreenRect> screen_rects(const std::vector<Rect>& rects);

}  // namespace elfdesk::host
