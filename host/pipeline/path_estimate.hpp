// What the acks say about the path to the viewer, in the spirit of BBR: the minimum round trip (windowed
// min of the network's share of each ack), the delivery rate (windowed max of bytes acked per interval;
// the last rounds' while a queue of ours stands) and the queueing delay (smoothed ack delay less that
// minimum and less what the acked frame took on the link beyond the minimum's frame); a delay that does
// not go away for seconds is a longer path.
// Plain data on the caller's clock: FrameScheduler owns one under its mutex; not thread-safe by itself.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>

namespace elfdesk::host {

class PathEstimate {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // The delivery count when a frame was sent; its ack turns it into a rate sample.
  struct Mark {
    std::uint64_t delivered = 0;
    TimePoint at{};
    std::uint64_t in_flight = 0;  // bytes unacknowledged once it was sent, its own included
    TimePoint sent{};             // when it was sent
    TimePoint first_sent{};       // when the newest frame acknowledged by then had been sent
  };

  // A queue this long above the minimum is a standing one (SchedulerConfig::standing_queue).
  explicit PathEstimate(std::chrono::microseconds standing_queue = std::chrono::milliseconds(30));

  // Taken for each frame sent, with the bytes in flight then (its own included); the interval restarts
  // when it is the only one, so a pause is not counted as a slow link.
  Mark mark(TimePoint now, std::uint64_t in_flight, bool idle);
  // One ack: `network_delay` is send-to-ack less the viewer's time; `acked_bytes` every frame it
  // acknowledges; `newest` the acked frame's mark and `newest_bytes` its size.
  void on_ack(TimePoint now, std::chrono::microseconds network_delay, std::uint64_t acked_bytes, Mark newest,
              std::uint64_t newest_bytes);

  std::chrono::microseconds min_rtt() const;      // 0 until the first ack
  // Bits per second; 0 until a sample. The 4 s max; while a queue of ours stands (from the first ack that
  // showed it ours until the queue is gone), the max of the last two rounds: the sender is not what limits
  // those samples, and a link that slowed down is believed within a round instead of after 4 s.
  std::uint64_t delivery_rate_bps() const;
  std::uint64_t peak_rate_bps() const;  // the 4 s max, whether a queue stands or not; 0 until a sample
  std::chrono::microseconds queue_delay() const;  // smoothed
  bool standing() const { return queue_delay_ > standing_queue_; }
  // Whether the last acked frame was sent with more bytes in flight than the path holds (at its best rate
  // of late): then a queue can be ours, and slowing to the rate it delivers drains it.
  bool queue_can_be_ours() const { return ours_; }
  std::uint64_t bdp_bytes() const;                 // delivery rate x min RTT
  // Whether every ack for a while has shown a delay more than a standing queue above the minimum (our
  // queue, someone else's, or a path that got longer), and how many times such a delay was taken for a
  // longer path (the minimum moved up to it).
  bool unexplained() const { return unexplained_since_ != TimePoint::max(); }
  std::uint64_t path_changes() const { return path_changes_; }

 private:
  struct Sample {
    TimePoint at;
    std::int64_t value;
    std::uint64_t bytes = 0;  // the acked frame's size (min_rtt_us_)
  };
  // Monotonic deque: the front is the best value of the last `window`.
  static void add(std::deque<Sample>& filter, Sample sample, std::chrono::steady_clock::duration window,
                  bool keep_max);
  void follow_longer_path(TimePoint now, std::chrono::microseconds network_delay, std::uint64_t in_flight,
                          std::uint64_t bytes);

  std::chrono::microseconds standing_queue_;
  std::deque<Sample> min_rtt_us_;
  std::deque<Sample> rate_bps_;
  std::chrono::microseconds queue_delay_{0};
  bool have_queue_ = false;
  std::uint64_t delivered_ = 0;
  TimePoint delivered_at_{};
  TimePoint acked_sent_at_{};  // when the newest acknowledged frame was sent
  bool ours_ = false;  // queue_can_be_ours()
  bool draining_ = false;  // a queue of ours stood since the queue last cleared: the recent rate holds
  // Since when every ack showed a queue (none: max()), and the least network delay since then.
  TimePoint unexplained_since_ = TimePoint::max();
  std::chrono::microseconds unexplained_least_{0};
  std::uint64_t unexplained_least_bytes_ = 0;  // its frame's size
  std::uint64_t path_changes_ = 0;
};

}  // namespace elfdesk::host
