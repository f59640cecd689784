// When the host tells the viewer what it believes about the path (protocol::PathReport): about once a
// second while streaming, and at once when the estimate moved a lot. Plain data on the caller's clock;
// VideoStreamer owns one on its video thread. Not thread-safe by itself.
#pragma once
#include <chrono>
#include <optional>

#include "host/pipeline/frame_scheduler.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

// The scheduler's estimate as a report (each value clamped to its field).
protocol::PathReport path_report_of(const FrameScheduler& scheduler);

class PathReporter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::milliseconds kInterval{1000};
  // A big change goes out at once, but never more often than this (an estimate that jitters sends no flood).
  static constexpr std::chrono::milliseconds kMinSpacing{100};

  // `current` if it should be sent now, else nothing. The first report goes at once.
  std::optional<protocol::PathReport> due(TimePoint now, const protocol::PathReport& current);

 private:
  std::optional<protocol::PathReport> last_;
  TimePoint last_at_{};
};

}  // namespace elfdesk::host
