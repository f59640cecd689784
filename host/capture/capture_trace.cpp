#include "host/capture/capture_trace.hpp"

#include <cstdio>

#include "common/trace_file.hpp"

namespace elfdesk::host {
namespace {

std::FILE* trace_file() {
  static const TraceFile file = open_trace_from_env(
      "ELFDESK_CAPTURE_TRACE", "grab_start_us,called_us,damage_seen_us,damage_server_ms,grab_end_us,dirty_pixels\n");
  return file.get();
}

}  // namespace

bool capture_trace_on() { return trace_file() != nullptr; }

void trace_grab(const GrabTimes& t) {
  std::FILE* f = trace_file();
  if (f == nullptr) return;
  std::fprintf(f, "%llu,%llu,%llu,%llu,%llu,%ld\n", static_cast<unsigned long long>(t.grab_start_us),
               static_cast<unsigned long long>(t.called_us), static_cast<unsigned long long>(t.damage_seen_us),
               static_cast<unsigned long long>(t.damage_server_ms), static_cast<unsigned long long>(t.grab_end_us),
               t.dirty_pixels);
}

}  // namespace elfdesk::host
