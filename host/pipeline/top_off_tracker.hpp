// Remembers, per 16x16 block, how well the viewer's picture matches the screen, and says which blocks are
// due for refinement. A block coded by a VP8 delta at motion quality is blurred: once it has been still
// for `delay` it is due for a sharp VP8 "top-off" (a changing area elsewhere, such as typing, a video or a
// spinner, does not hold it back). A block coded sharp but lossy (a top-off) is a candidate for the
// lossless pass: once the whole screen has settled, it may go as exact pixels. A quick keyframe's coarse
// blocks try the lossless pass first too; those it leaves (photos) are due for a top-off at once. While
// something keeps the screen from settling (a video playing), a sharp block whose neighbourhood has been
// still for quiet_wait() is a candidate too: text beside a video must not stay lossy for as long as the
// video plays. Exact pixels leave a block with nothing more to send. Pure bookkeeping, no clock of its
// own; video thread only.
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
  // `lossless_pass`: sharp lossy blocks are kept as candidates for exact pixels (the streamer can send
  // them); without it they need nothing more.
  TopOffTracker(std::chrono::milliseconds delay, std::chrono::milliseconds busy_delay, bool lossless_pass = false);

  // A keyframe (or a new screen size): everything is sharp, nothing is blurred.
  void on_keyframe(int width, int height);
  // A quick keyframe (coarse, issue 13's first picture) at `now`: every block is to be sharpened, by the
  // lossless pass where it pays (the screen counts as settled at once), else by a top-off; one also comes
  // after coarse_wait() when something keeps the screen from settling (a video playing).
  void on_quick_keyframe(int width, int height, TimePoint now);
  // A delta frame coded `dirty` at motion quality at `now`.
  void on_delta(const std::vector<Rect>& dirty, TimePoint now);
  // The blurred areas to top off now (block-aligned), or empty when none is due.
  std::vector<Rect> due(TimePoint now) const;
  // For the lossless pass (block-aligned): once the screen has settled, every block that is not exact;
  // before that, the sharp-but-lossy blocks with nothing changed within kQuietMargin blocks of them for
  // quiet_wait() (a video's still pieces and the blocks around it stay out), once the first of them has
  // waited `delay` more (those that come quiet meanwhile go in the same update).
  std::vector<Rect> lossless_due(TimePoint now) const;
  // The viewer copied into `to` from (x + dx, y + dy) (a scroll, a dragged window): its blocks now hold
  // what their source held, as sharp or as blurred as that was; moved blurred blocks wait until it stops.
  void on_copy(const Rect& to, int dx, int dy, TimePoint now);
  // A VP8 top-off coded `area` (as returned by due()) at its sharp quality, at `now`. While motion goes on,
  // the next one waits `busy_delay` from it, so a trail of blocks that come still one after another (what
  // a dragged window leaves behind) is refined twice a second, not at every `delay`.
  void on_sharpened(const std::vector<Rect>& area, TimePoint now);
  // `area` went as exact pixels. The blocks it covers whole need nothing more until they change; a block it
  // covers in part keeps its state.
  void on_exact(const std::vector<Rect>& area);
  // The lossless pass cannot do better than VP8 for the sharp blocks of `area` (a photo): they need
  // nothing more. Blurred blocks stay due for their top-off; coarse ones are due for it now.
  void on_kept_lossy(const std::vector<Rect>& area);
  // How long until due() or lossless_due() may return something (for the capture wait); max() when
  // nothing is pending.
  std::chrono::milliseconds time_to_due(TimePoint now) const;
  bool pending() const { return blurred_ > 0 || lossy_ > 0 || coarse_ > 0; }
  // Nothing was coded at motion quality for `delay`: the screen has settled (due() is not refining some
  // blocks while others keep changing).
  bool settled(TimePoint now) const { return now - last_change_ >= delay_; }

 private:
  enum State : std::uint8_t { kExact = 0, kLossy = 1, kCoarse = 2, kBlurred = 3 };  // ordered: higher is worse
  template <typename F>
  void for_blocks(const Rect& r, F&& f);
  template <typename F>
  void for_whole_blocks(const Rect& r, F&& f);
  void set(std::size_t i, State s);
  void touch(std::size_t i, TimePoint now);
  void reset(int width, int height, State state);
  // Per block: from when it and the blocks within kQuietMargin of it have been still for quiet_wait().
  const std::vector<TimePoint>& quiet_at() const;
  // How long a quick keyframe's blocks wait for a settled screen before a top-off takes them.
  std::chrono::milliseconds coarse_wait() const { return 4 * busy_delay_; }
  // How long a sharp block's neighbourhood must be still before the lossless pass takes it on a screen
  // that has not settled: long enough that a video's momentarily still blocks rarely qualify.
  std::chrono::milliseconds quiet_wait() const { return 2 * busy_delay_; }
  static constexpr int kQuietMargin = 2;  // blocks (32 px): as far as a change's neighbourhood reaches

  std::chrono::milliseconds delay_;
  std::chrono::milliseconds busy_delay_;
  bool lossless_pass_;
  int width_ = 0, height_ = 0, cols_ = 0, rows_ = 0;
  std::vector<std::uint8_t> state_;      // State per block
  std::vector<TimePoint> changed_at_;    // when the block last changed (valid while blurred or coarse)
  std::vector<TimePoint> touched_at_;    // when its picture last changed (coded, copied); min() if never
  mutable std::vector<TimePoint> quiet_at_;  // quiet_at(), recomputed after a touch
  mutable bool quiet_stale_ = true;
  std::size_t blurred_ = 0, lossy_ = 0, coarse_ = 0;  // blocks in each state
  TimePoint last_change_{};
  TimePoint last_top_off_ = TimePoint::min();
};

}  // namespace elfdesk::host
