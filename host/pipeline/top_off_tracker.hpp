// Remembers, per 16x16 block, what delta frames coded at motion quality and when it last changed, and says
// when which of it is due for a sharp "top-off". A block is refined once it has been still for `delay`;
// a changing area elsewhere (typing, a video, a spinner) no longer holds back the rest of the screen.
// Pure bookkeeping, no clock of its own; used on the video thread only.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

class TopOffTracker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `delay`: how long a block must be still before it is refined. While other parts of the screen keep
  // changing, blocks wait up to `busy_delay` so their refinements share frames (fewer, larger top-offs).
  TopOffTracker(std::chrono::milliseconds delay, std::chrono::milliseconds busy_delay);

  // A keyframe (or a new screen size): everything is sharp, nothing is pending.
  void on_keyframe(int width, int height);
  // A delta frame coded `dirty` at motion quality at `now`.
  void on_delta(const std::vector<Rect>& dirty, TimePoint now);
  // The areas to refine now (block-aligned), or empty when no top-off is due.
  std::vector<Rect> due(TimePoint now) const;
  // The viewer moved `to` from `dy` rows further down (a scroll): its blocks now hold what their source
  // rows held, as sharp or as blurred as that was; moved blurred blocks wait until the scroll stops.
  void on_copy(const Rect& to, int dy, TimePoint now);
  // `area` was refined: by a top-off frame (as returned by due()) or by exact pixels. The blocks it covers
  // whole are sharp until they change; a block it covers in part keeps whatever else it had pending.
  void on_refined(const std::vector<Rect>& area);
  // How long until due() may return something (for the capture wait); max() when nothing is pending.
  std::chrono::milliseconds time_to_due(TimePoint now) const;
  bool pending() const { return pending_ > 0; }
  // Nothing was coded at motion quality for `delay`: the screen has settled (due() is not refining some
  // blocks while others keep changing).
  bool settled(TimePoint now) const { return now - last_change_ >= delay_; }

 private:
  template <typename F>
  void for_blocks(const Rect& r, F&& f);

  std::chrono::milliseconds delay_;
  std::chrono::milliseconds busy_delay_;
  int width_ = 0, height_ = 0, cols_ = 0, rows_ = 0;
  std::vector<std::uint8_t> dirty_;      // 1: coded at motion quality since its last sharp coding
  std::vector<TimePoint> changed_at_;    // when the block last changed (valid while dirty)
  std::size_t pending_ = 0;
  TimePoint last_change_{};
};

}  // namespace elfdesk::host
