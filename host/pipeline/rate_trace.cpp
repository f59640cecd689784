#include "host/pipeline/rate_trace.hpp"

#include <cstdio>

#include "common/clock.hpp"
#include "common/trace_file.hpp"
#include "host/pipeline/frame_scheduler.hpp"

namespace elfdesk::host {
namespace {

std::FILE* trace_file() {
  static const TraceFile file = open_trace_from_env(
      "ELFDESK_RATE_TRACE",
      "sent_us,frame_id,bytes,budget_kbps,target_kbps,delivery_kbps,min_rtt_us,queue_us,in_flight,"
      "in_flight_bytes,window_bytes,pacing_kbps\n");
  return file.get();
}

}  // namespace

void trace_rate(const FrameScheduler& scheduler, std::uint64_t frame_id, std::size_t bytes, int budget_kbps) {
  std::FILE* f = trace_file();
  if (f == nullptr) return;
  std::fprintf(f, "%llu,%llu,%zu,%d,%d,%d,%lld,%lld,%zu,%zu,%zu,%llu\n",
               static_cast<unsigned long long>(monotonic_us()), static_cast<unsigned long long>(frame_id), bytes,
               budget_kbps, scheduler.target_kbps(), scheduler.delivery_kbps(),
               static_cast<long long>(scheduler.min_rtt().count()), static_cast<long long>(scheduler.queue_delay().count()),
               scheduler.in_flight(), scheduler.in_flight_bytes(), scheduler.window_bytes(),
               static_cast<unsigned long long>(scheduler.pacing_rate_bps() / 1000));
}

}  // namespace elfdesk::host
