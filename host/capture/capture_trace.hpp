// Optional per-grab timing trace for latency breakdowns (bench/g2g_breakdown.py): when the environment
// names a file in ELFDESK_CAPTURE_TRACE, one CSV line per frame the capturer returns, on the monotonic clock
// in microseconds (the viewer's ELFDESK_FRAME_TRACE matches it by grab start). Off (no cost) otherwise.
// Video thread (the capturer's).
#pragma once
#include <cstdint>

namespace elfdesk::host {

struct GrabTimes {
  std::uint64_t called_us = 0;       // the video loop asked for a frame (ScreenCapturer::capture)
  std::uint64_t damage_seen_us = 0;  // the first damage event of this frame was read (0: none, a full grab)
  std::uint64_t damage_server_ms = 0;  // that event's X server timestamp (monotonic milliseconds on Xorg/Xvfb)
  std::uint64_t grab_start_us = 0;   // = CapturedFrame::capture_time_us
  std::uint64_t grab_end_us = 0;
  long dirty_pixels = 0;
};

bool capture_trace_on();
void trace_grab(const GrabTimes& times);

}  // namespace elfdesk::host
