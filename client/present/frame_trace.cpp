#include "client/present/frame_trace.hpp"

#include <cstdio>
#include <string>

#include "common/trace_file.hpp"

namespace elfdesk::client {
namespace {

std::FILE* trace_file() {
  static const TraceFile file = open_trace_from_env(
      "ELFDESK_FRAME_TRACE",
      "frame_id,kind,capture_time_us,capture_us,encode_us,queue_us,received_us,decoded_us,taken_us,shown_us,wire_bytes,rects\n");
  return file.get();
}

// The areas an update paints, "x:y:w:h" separated by spaces (a keyframe's, empty: everywhere).
std::string painted(const PictureUpdate& update) {
  const auto* video = std::get_if<VideoUpdate>(&update.content);
  const std::vector<Rect>& rects = video ? video->coded : std::get<PixelsUpdate>(update.content).rects;
  std::string out;
  for (const Rect& r : rects) {
    if (!out.empty()) out += ' ';
    out += std::to_string(r.x) + ':' + std::to_string(r.y) + ':' + std::to_string(r.width) + ':' +
           std::to_string(r.height);
  }
  return out;
}

}  // namespace

void trace_shown(const std::vector<PictureUpdate>& updates, std::uint64_t taken_us, std::uint64_t shown_us) {
  std::FILE* f = trace_file();
  if (f == nullptr) return;
  for (const PictureUpdate& u : updates) {
    std::fprintf(f, "%llu,%c,%llu,%u,%u,%u,%llu,%llu,%llu,%llu,%zu,%s\n", static_cast<unsigned long long>(u.frame_id),
                 std::holds_alternative<VideoUpdate>(u.content) ? 'v' : static_cast<char>(u.pixels_from),
                 static_cast<unsigned long long>(u.capture_time_us), u.timings.capture_us, u.timings.encode_us,
                 u.timings.queue_us, static_cast<unsigned long long>(u.decoded_time_us - u.decode_us),
                 static_cast<unsigned long long>(u.decoded_time_us), static_cast<unsigned long long>(taken_us),
                 static_cast<unsigned long long>(shown_us), u.wire_bytes, painted(u).c_str());
  }
  std::fflush(f);
}

}  // namespace elfdesk::client
