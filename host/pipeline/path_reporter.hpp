// When the host tells the viewer what it believes about the path (protocol::PathReport): about once a
// second while pictures flow, and at once when the estimate moved a lot. While the picture is idle (a
// cursor blink, typing: less than kBusyBytes of pictures since the last report) the estimate learns
// little and the ~50-byte report a second would be ~5% of typing's bytes; it then goes only on a big change,
// or every kIdleInterval so the viewer's figures never get very old. Plain data on the caller's clock;
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
  static constexpr std::chrono::milliseconds kIdleInterval{10'000};
  static constexpr std::uint64_t kBusyBytes = 16'000;  // picture bytes since the last report (typing: ~1.3 kB/s)
  // A big change goes out at once, but never more often than this (an estimate that jitters sends no flood).
  static constexpr std::chrono::milliseconds kMinSpacing{100};

  // `current` if it should be sent now, else nothing; `bytes_sent` counts the picture bytes sent so far.
  // The first report goes at once.
  std::optional<protocol::PathReport> due(TimePoint now, const protocol::PathReport& current,
                                          std::uint64_t bytes_sent);

 private:
  std::optional<protocol::PathReport> last_;
  TimePoint last_at_{};
  std::uint64_t bytes_at_last_ = 0;
};

}  // namespace elfdesk::host
