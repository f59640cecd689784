// Decides when the video thread may capture and send the next frame: unacknowledged bytes within the path's
// bandwidth-delay product plus the queue target's worth (PathEstimate; at least kFloorFrames frames, at most
// max_in_flight <= limits::kMaxFramesInFlight), at most max_fps, keyframes only on request (when to refine:
// TopOffTracker), and the rate the socket paces its writes at.
// The bitrate target backs off on a standing queue (ack delay above the path's minimum), not on a long
// path; the viewer's own decode and present time, which each FrameAck reports, is taken out first, so a
// slow viewer holds frames back without being mistaken for a slow link. Thread-safe: acks arrive from the
// network thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "common/clock.hpp"
#include "host/pipeline/path_estimate.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct SchedulerConfig {
  // 60, not 30: a change that arrives just after a frame waits at most one interval, so the cap adds up
  // to 16 ms instead of 33 to every glass-to-glass time; the frame count still follows the screen (damage
  // gated) and the acks. Quick bench at 1080p, 30 -> 60: drag 37.7 -> 33.8 ms median, scroll 46.9 -> 33.2,
  // video 40.5 -> 20.6 ms at 35.7 instead of 23.4 updates/s, with drag and scroll bytes about the same.
  int max_fps = 60;
  std::size_t max_in_flight = limits::kMaxFramesInFlight;  // capped at that limit (docs/protocol.md)
  // A queue this long above the path's minimum round trip means the link is full: the bitrate target backs
  // off. Below it, jitter and the viewer's ack timing, not a queue.
  std::chrono::milliseconds standing_queue{30};
  // The queue the in-flight window allows on top of the path's bandwidth-delay product: issue 13's bound
  // (glass-to-glass p95 <= one-way + 60 ms).
  std::chrono::milliseconds queue_target{60};
  // After a quick turn (a few exact pixels: a typed glyph, a cursor blink, one small square that changed),
  // the next may begin this soon instead of a whole 1/max_fps later. The cap is there to bound the work of
  // VP8 frames and let a moving screen's changes gather into one frame; a turn that cost well under a
  // millisecond and a few hundred bytes saves nothing by waiting, and the change after it (a key typed
  // right after another, a square that changes next to the text) paid up to 16.7 ms: the p95 of typing.
  std::chrono::milliseconds quick_interval{6};
  std::size_t quick_bytes = 1024;                      // at most this many bytes sent in the turn ...
  std::chrono::microseconds quick_work{2000};          // ... and at most this long from its start to its send
  std::chrono::milliseconds top_off_delay{250};  // an area still this long is refined (TopOffTracker)
  int max_kbps = 20000;
  int min_kbps = 300;
};

class FrameScheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Frames always allowed in flight, whatever the estimate (before the first ack, and on short paths):
  // the window of the time before the path estimate, so lan and home pace as before.
  static constexpr std::size_t kFloorFrames = 2;
  // The bitrate target is cut at most once a round trip (never more often than kMinRound) while a queue
  // stands, and raised every kRaiseEvery while none does.
  static constexpr std::chrono::milliseconds kMinRound{50};
  static constexpr std::chrono::milliseconds kRaiseEvery{250};
  // The target is raised only up to kRaiseOverSentPercent of what was sent in the last kSentWindow (as in
  // Google congestion control, 1.5x the incoming rate): a sender that the screen limits learns nothing
  // about the link by raising it. On poor a 640x360 video sending 0.85 Mbit/s had its target probed up to
  // 5 Mbit/s in 6 s; the next busy scene then burst far past the 1 Mbit/s link (g2g 600 ms, then a cut).
  // A frame whose encoder was given less than the target (the region stream's, sqrt of its share of the
  // screen) counts as if the whole target were spent alike: compared with raw bytes, a region that spent
  // all of its third could never raise the target, only see it cut, and on mobile the video's bitrate
  // fell by half within a minute (1256 -> 672 kbit/s).
  static constexpr std::chrono::milliseconds kSentWindow{1000};
  static constexpr int kRaiseOverSentPercent = 150;
  static constexpr int kNearLinkShift = 6;  // the raise near the link's last measured rate: 1/64 a step
  FrameScheduler(const Clock& clock, SchedulerConfig config);

  // May a frame be captured and sent now? False while the in-flight window is full or too soon.
  bool can_send() const;
  // Has the in-flight window room? (Only an ack opens it; the rest of can_send() is the clock's.)
  bool window_open() const;
  // How long the video thread should sleep (or wait for damage) before asking again.
  std::chrono::milliseconds wait_hint() const;
  // When may a few small changes apart from the rest go ahead of the frame-rate cap (an overtaking turn:
  // ScreenCapturer::capture_apart)? While the cap alone holds the next turn back (the in-flight window has
  // room), from quick_interval after the last turn began, so such turns come at most ~170 a second: the
  // time until then (zero: now), or nothing when the cap's turn comes first or the window is full.
  // A marker or a glyph beside a playing video waited for the rest of the 16.7 ms after the video's frame:
  // the p95 of glass to glass on every moving workload.
  std::optional<std::chrono::microseconds> overtake_after() const;
  // The video thread starts the work for a frame (a capture came back, or a top-off begins). The frame
  // rate cap counts from here, not from the send: a frame that took 12 ms to encode must not add the whole
  // frame interval on top (that idled the loop ~17 ms after every frame and doubled glass-to-glass).
  // An overtaking turn's sends leave the cap where the turn before it put it.
  enum class TurnKind { regular, overtaking };
  void start_turn(TurnKind kind = TurnKind::regular);
  // `budget_kbps`: the bitrate the frame's encoder was given, when less than the target (0: the target,
  // or no encoder's rate control, as for exact pixels).
  void on_sent(std::uint64_t frame_id, std::size_t bytes, int budget_kbps = 0);
  // Returns false for an unknown or duplicate id (ignored). The ack's decode_us + present_us is the
  // viewer's time: the rest of the send-to-ack time is the network's (what the bitrate follows).
  bool on_ack(const protocol::FrameAck& ack);

  void request_keyframe();
  bool take_keyframe_request();
  // The session resumed on a new connection: frames in flight on the old one will never be acked.
  // Forgets them and asks for a keyframe (the viewer missed what was sent meanwhile).
  void restart();

  int target_kbps() const;
  std::size_t in_flight() const;
  std::size_t in_flight_bytes() const;            // bytes of the frames sent and not yet acked
  std::chrono::microseconds ack_delay() const;    // smoothed send-to-ack time, less the viewer's time
  std::chrono::microseconds viewer_time() const;  // smoothed decode + present time the viewer reports
  std::chrono::microseconds min_rtt() const;      // the path's minimum ack delay (10 s window)
  std::chrono::microseconds queue_delay() const;  // smoothed ack delay above min_rtt, own transmission out
  int delivery_kbps() const;                      // the path's delivery rate estimate (4 s max)
  std::size_t window_bytes() const;               // in-flight bytes allowed now (beyond kFloorFrames)
  // The rate the connection should pace its writes at, bits/s (0: none). Known only once a queue of ours
  // has shown what the link carries (what the sender delivers while the screen limits it, typing or a
  // small video, says nothing of the link, and pacing below the link's rate would only delay each frame):
  // then kPacingGainPercent of that rate, or twice the bitrate target if more; none on a fast path.
  // A frame written at once bursts into the bottleneck's buffer; mobile's holds 15 KB, and a larger
  // frame lost its tail and waited a retransmission round trip.
  std::uint64_t pacing_rate_bps() const;
  static constexpr std::uint64_t kPacingGainPercent = 125;
  static constexpr std::uint64_t kNoPacingAbove = 10'000'000;

 private:
  struct Sent {
    std::uint64_t id;
    std::size_t bytes;
    TimePoint at;
    PathEstimate::Mark mark;
  };
  void adapt_rate_locked(TimePoint now);
  std::chrono::microseconds interval_locked() const;  // the frame-rate cap after the last turn
  std::size_t window_bytes_locked() const;
  bool window_open_locked() const;  // the in-flight window has room for another frame
  std::uint64_t pacing_rate_locked() const;
  void forget_sent_before_locked(TimePoint at);  // sent_lately_ keeps the sends from `at` on
  // A rate of bytes on the wire as the target that sends it: scaled by how much less than the target the
  // encoders of the last kSentWindow were given (1 when every frame had the whole target).
  int as_if_target_locked(int kbps) const;

  const Clock& clock_;
  SchedulerConfig config_;
  mutable std::mutex mutex_;
  std::deque<Sent> in_flight_;
  std::size_t in_flight_bytes_ = 0;
  // Sends of the last kSentWindow: their bytes, and each scaled to the whole target (kSentWindow's comment).
  struct SentLately {
    TimePoint at;
    std::size_t bytes;
    std::size_t as_if_target;
  };
  std::deque<SentLately> sent_lately_;
  std::size_t sent_lately_bytes_ = 0;
  std::size_t sent_lately_as_if_ = 0;
  PathEstimate path_;
  TimePoint pace_from_{};                   // the work for the last sent frame began (the cap counts from it)
  std::optional<TimePoint> turn_started_;  // start_turn(), until the frame it began is sent
  bool quick_turn_ = false;                // the last turn that sent was quick (SchedulerConfig::quick_interval)
  bool overtaking_ = false;                // the current turn is an overtaking one (start_turn)
  TimePoint began_{};                      // the work for the last sent frame began, whatever its turn's kind
  bool keyframe_requested_ = true;  // a new viewer always starts with a keyframe
  std::chrono::microseconds ack_delay_{0};
  std::chrono::microseconds viewer_time_{0};
  int target_kbps_;
  TimePoint last_cut_{};    // the target was last lowered for a queue (or the start)
  TimePoint last_raise_{};  // ... last raised (or lowered)
  int target_before_unexplained_ = 0;  // the target when the delay last began to stand unexplained
  std::uint64_t link_bps_ = 0;  // the 4 s max delivery rate at the last cut for a queue of ours; 0: none yet
};

}  // namespace elfdesk::host
