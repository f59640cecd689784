// A deterministic link and viewer for rate-control tests, on the test's ManualClock (one thread, no real
// time): a bottleneck of `kbps` with a byte-limited drop-tail buffer, half the RTT each way, stalls and loss
// bursts, and the host socket's pacing; the viewer decodes each frame, shows the newest at its 60 Hz refresh and acknowledges it with a
// FrameAck, as client/core/session_core does. The link carries one TCP stream, so nothing is lost: a drop or
// a burst costs the frame (and every frame behind it) a retransmission, one RTT. Owned by the test.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::test {

struct LinkProfile {
  int kbps;                      // bottleneck rate, viewer-bound direction
  std::chrono::milliseconds rtt;  // propagation only, half each way
  std::size_t queue_bytes;       // bottleneck buffer; a frame that overflows it is retransmitted
};

// The issue 13 profiles (bench/net): queues as in the table in docs/performance.md.
inline constexpr LinkProfile kHome{20'000, std::chrono::milliseconds(40), 250'000};
inline constexpr LinkProfile kMobile{3'000, std::chrono::milliseconds(120), 15'000};
inline constexpr LinkProfile kPoor{1'000, std::chrono::milliseconds(300), 25'000};

class SimLink {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // What became of one frame, for the test's statistics.
  struct Delivery {
    std::uint64_t id;
    TimePoint sent;
    TimePoint arrived;  // last byte at the viewer
    std::optional<TimePoint> shown;  // empty while not yet shown (or skipped: a newer one was shown)
    std::chrono::microseconds queued;  // time in the bottleneck before its first byte left
  };

  SimLink(const ManualClock& clock, LinkProfile profile);

  // The host writes a frame now.
  void send(std::uint64_t id, std::size_t bytes);
  // Runs the link and the viewer from the last call up to the clock's now, in steps of at most 1 ms. Call
  // after each clock advance.
  void run();
  // Acks whose way back has ended by now, oldest first.
  std::vector<protocol::FrameAck> take_acks();

  void set_rate_kbps(int kbps) { profile_.kbps = kbps; }
  void set_rtt(std::chrono::milliseconds rtt) { profile_.rtt = rtt; }
  // The host's socket paces its writes at this rate (0: a frame goes into the link at once), as
  // SO_MAX_PACING_RATE makes Linux TCP do.
  void set_pacing_kbps(int kbps) { pacing_kbps_ = kbps; }
  // A stall (a handover, a Wi-Fi hiccup): the bottleneck delivers nothing until the end.
  void stall_until(TimePoint end) { stalled_until_ = end; }
  // Loss on the wire until `end`: each frame whose last byte leaves the bottleneck then is retransmitted.
  void lose_until(TimePoint end) { losing_until_ = end; }

  // The bottleneck's backlog as time at the current rate: the queueing delay a new byte would see.
  std::chrono::microseconds backlog_delay() const;
  std::size_t backlog_bytes() const;
  std::uint64_t delivered_bytes() const { return static_cast<std::uint64_t>(delivered_bits_ / 8); }
  int drops() const { return drops_; }
  const LinkProfile& profile() const { return profile_; }
  // Every frame sent, in order; `shown` is filled in as the viewer shows them.
  const std::deque<Delivery>& deliveries() const { return deliveries_; }
  const Delivery* delivery(std::uint64_t id) const;

 private:
  struct InLink {
    std::uint64_t id;
    double bits;
    double bits_left;
    TimePoint entered;
    bool overflowed;
    std::optional<TimePoint> started;
    TimePoint paced_until;  // its last byte reaches the bottleneck no earlier
  };
  void drain(TimePoint from, TimePoint to);
  void finish(InLink& frame, TimePoint at);
  void run_viewer(TimePoint now);
  double backlog_bits() const;

  const ManualClock& clock_;
  LinkProfile profile_;
  TimePoint ran_to_;
  std::deque<InLink> bottleneck_;
  TimePoint stalled_until_{};
  TimePoint losing_until_{};
  TimePoint last_arrival_{};
  int pacing_kbps_ = 0;
  TimePoint paced_until_{};  // the pacer has sent everything written before by then
  double delivered_bits_ = 0;  // bits that left the bottleneck, as they leave
  int drops_ = 0;
  std::deque<Delivery> deliveries_;
  // Viewer: frames on their way (id, arrival), decoded and not yet shown (id, when decoded), acks on the way
  // back (when they reach the host).
  std::deque<std::pair<std::uint64_t, TimePoint>> arriving_;
  std::deque<std::pair<std::uint64_t, TimePoint>> decoded_;
  TimePoint decoder_free_{};
  TimePoint next_refresh_{};
  std::deque<std::pair<TimePoint, protocol::FrameAck>> acks_;
};

}  // namespace elfdesk::test
