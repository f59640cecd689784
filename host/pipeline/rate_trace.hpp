// Optional per-frame trace of the rate controller (bench/rate_timeline.py, and by hand): when the environment
// names a file in ELFDESK_RATE_TRACE, one CSV line per frame sent with what the scheduler believed then
// (target, path estimate, window, pacing), on the monotonic clock in microseconds, so a slow stretch of a
// bench pass can be read against the viewer's ELFDESK_FRAME_TRACE (matched by frame id). Off (no cost)
// otherwise. Video thread.
#pragma once
#include <cstddef>
#include <cstdint>

namespace elfdesk::host {

class FrameScheduler;

// `bytes` the frame's encoded size; `budget_kbps` the bitrate its encoder was given (0: the target).
void trace_rate(const FrameScheduler& scheduler, std::uint64_t frame_id, std::size_t bytes, int budget_kbps);

}  // namespace elfdesk::host
