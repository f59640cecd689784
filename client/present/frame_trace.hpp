// Optional per-picture timing trace for latency breakdowns (bench/g2g_breakdown.py): when the environment
// names a file in ELFDESK_FRAME_TRACE, one CSV line per picture update shown, with the host's timings and
// the viewer's receive, decode, take and present times, all on the monotonic clock (one machine: the host's
// capture times are on the same clock). Its kind: v (VP8 of the whole screen), p (exact pixels), r (a
// region frame), s (a scaled frame). Off (no cost) otherwise. Main thread (the presenter's).
#pragma once
#include <cstdint>
#include <vector>

#include "client/decode/picture_update.hpp"

namespace elfdesk::client {

// `taken_us`: when the main thread took the batch from the queue; `shown_us`: when the window had it.
void trace_shown(const std::vector<PictureUpdate>& updates, std::uint64_t taken_us, std::uint64_t shown_us);

}  // namespace elfdesk::client
