// The host's one previous frame: for a capturer that updates its picture in place, the picture as of the
// last frame it returned, kept up to date by copying only what that frame changed. The capturer hands it
// out with each frame (CapturedFrame::previous), so nothing downstream keeps a copy of its own.
// Owned by the capturer, on the video thread.
#pragma once
#include <vector>

#include "host/capture/screen_capturer.hpp"

namespace elfdesk::host {

class FrameHistory {
 public:
  // Call before `current` changes for the next frame: the previous picture takes what the last returned
  // frame changed (or all of `current`, the first time and after a size change).
  void catch_up(const BgraImage& current);
  // Call on a frame about to be returned, after its picture changed: points frame.previous at the
  // previous picture (null when there is none of the same size) and, if the capturer did not, finds
  // frame.changed by comparing the dirty rectangles with it.
  void hand_out(CapturedFrame& frame);
  // The next frame replaces the whole picture (a forced full grab): it has no previous one.
  void forget() { valid_ = false; }

 private:
  BgraImage previous_;
  std::vector<Rect> pending_;  // what the last returned frame changed, not yet in previous_
  bool valid_ = false;         // previous_ holds a whole picture
};

}  // namespace elfdesk::host
