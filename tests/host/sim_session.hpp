// The real FrameScheduler (and its PathEstimate) driving a video-like frame source over a SimLink, all on one
// ManualClock in 1 ms steps: no real time, the same run every time. Records what issue 13's targets are
// about: each screen change's glass-to-glass time, the bottleneck's queue over time, the bytes delivered.
// One test thread; owned by the test.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "common/clock.hpp"
#include "host/pipeline/frame_scheduler.hpp"
#include "tests/host/sim_link.hpp"

namespace elfdesk::test {

// The screen: a region that changes `fps` times a second and would take `demand_kbps` at full quality.
// Each frame is the encoder's budget for the time since the last one (the scheduler's bitrate target, as
// VP8's rate control spends it), at most the demand; every `big_every` a frame `big_factor` times that
// (a scene cut, the coarse picture of a large change).
struct VideoSource {
  int fps = 30;
  int demand_kbps = 8'000;
  std::chrono::milliseconds big_every{2000};
  int big_factor = 4;
  // Less than 1: the video fills this share of the screen and goes to the host's region stream, whose
  // encoder is given the target times the share's square root (host/pipeline/region_stream.cpp).
  double region_share = 1.0;
};

class SimSession {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Ms = std::chrono::duration<double, std::milli>;

  SimSession(LinkProfile profile, VideoSource source, host::SchedulerConfig config = {});

  // Runs for `duration`, the video playing when `video` (otherwise the screen stands still).
  void run(std::chrono::milliseconds duration, bool video = true);
  // A keystroke now: a small change that the next frame carries.
  void key();

  TimePoint now() const { return clock_.now(); }
  SimLink& link() { return link_; }
  host::FrameScheduler& scheduler() { return scheduler_; }

  // Glass-to-glass of the screen changes made in [from, to) and shown: shown minus changed.
  std::vector<Ms> video_g2g(TimePoint from, TimePoint to) const;
  std::vector<Ms> key_g2g(TimePoint from, TimePoint to) const;
  // The time the keystrokes' frames waited in the bottleneck before their first byte left.
  std::vector<Ms> key_queue_wait(TimePoint from, TimePoint to) const;
  // The longest stretch in [from, to) with the bottleneck's backlog above `limit`, and the share of it.
  Ms longest_queue_above(Ms limit, TimePoint from, TimePoint to) const;
  double share_queue_above(Ms limit, TimePoint from, TimePoint to) const;
  // kbit/s that left the bottleneck in [from, to).
  int delivered_kbps(TimePoint from, TimePoint to) const;

 private:
  struct Change {
    TimePoint at;
    std::uint64_t frame = 0;  // the frame that carried it; 0 while none has
  };
  struct Sample {
    TimePoint at;
    Ms backlog;
    std::uint64_t delivered_bytes;
  };
  void send_frame();
  std::vector<Ms> g2g(const std::vector<Change>& changes, TimePoint from, TimePoint to) const;
  std::size_t first_sample(TimePoint at) const;

  ManualClock clock_;
  host::FrameScheduler scheduler_;
  SimLink link_;
  VideoSource source_;
  std::uint64_t next_id_ = 0;
  TimePoint last_sent_{};
  TimePoint next_change_{};
  TimePoint next_big_{};
  std::vector<Change> changes_;
  std::vector<Change> keys_;
  std::size_t first_unsent_change_ = 0;
  std::size_t first_unsent_key_ = 0;
  std::vector<Sample> samples_;
};

// The p-th percentile (0-100) of `values`, nearest rank; 0 ms for none.
SimSession::Ms percentile(std::vector<SimSession::Ms> values, double p);

}  // namespace elfdesk::test
