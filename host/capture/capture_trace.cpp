#include "host/capture/capture_trace.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace elfdesk::host {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::FILE* trace_file() {
  static const std::unique_ptr<std::FILE, FileCloser> file = []() -> std::unique_ptr<std::FILE, FileCloser> {
    const char* path = std::getenv("ELFDESK_CAPTURE_TRACE");
    if (path == nullptr || *path == '\0') return nullptr;
    std::FILE* f = std::fopen(path, "w");
    if (f != nullptr) std::fputs("grab_start_us,called_us,damage_seen_us,damage_server_ms,grab_end_us,dirty_pixels\n", f);
    return std::unique_ptr<std::FILE, FileCloser>(f);
  }();
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
  std::fflush(f);
}

}  // namespace elfdesk::host
