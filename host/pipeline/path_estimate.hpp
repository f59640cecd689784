// What the acks say about the path to the viewer, in the spirit of BBR: the minimum round trip (windowed
// min of the network's share of each ack), the delivery rate (windowed max of bytes acked per interval) and
// the queueing delay (smoothed ack delay less that minimum and the frame's own transmission). Plain data
// on the caller's clock: FrameScheduler owns one under its mutex; not thread-safe by itself.
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
  };

  // Taken for each frame sent; `idle` when nothing else was in flight (the interval restarts then, so a
  // pause is not counted as a slow link).
  Mark mark(TimePoint now, bool idle);
  // One ack: `network_delay` is send-to-ack less the viewer's time; `acked_bytes` every frame it
  // acknowledges; `newest` the acked frame's mark and `newest_bytes` its size.
  void on_ack(TimePoint now, std::chrono::microseconds network_delay, std::uint64_t acked_bytes, Mark newest,
              std::uint64_t newest_bytes);

  std::chrono::microseconds min_rtt() const;      // 0 until the first ack
  std::uint64_t delivery_rate_bps() const;         // bits per second; 0 until a sample
  std::chrono::microseconds queue_delay() const;  // smoothed
  std::uint64_t bdp_bytes() const;                 // delivery rate x min RTT

 private:
  struct Sample {
    TimePoint at;
    std::int64_t value;
  };
  // Monotonic deque: the front is the best value of the last `window`.
  static void add(std::deque<Sample>& filter, Sample sample, std::chrono::steady_clock::duration window,
                  bool keep_max);

  std::deque<Sample> min_rtt_us_;
  std::deque<Sample> rate_bps_;
  std::chrono::microseconds queue_delay_{0};
  bool have_queue_ = false;
  std::uint64_t delivered_ = 0;
  TimePoint delivered_at_{};
};

}  // namespace elfdesk::host
