#include "common/resume_timing.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace elfdesk {
namespace {

std::chrono::milliseconds from_env(const char* name, std::chrono::milliseconds fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  const long long ms = std::strtoll(value, &end, 10);
  return (*end == '\0' && ms > 0) ? std::chrono::milliseconds(ms) : fallback;
}

}  // namespace

ResumeTiming resume_timing() {
  ResumeTiming timing;
  timing.window = from_env("ELFDESK_RESUME_WINDOW_MS", timing.window);
  timing.dead_peer = from_env("ELFDESK_DEAD_PEER_MS", timing.dead_peer);
  return timing;
}

ConnectionTimeouts with_dead_peer(ConnectionTimeouts timeouts, const ResumeTiming& timing) {
  timeouts.idle = timing.dead_peer;
  timeouts.keepalive = std::min(timeouts.keepalive, std::max(timing.dead_peer / 3, std::chrono::milliseconds(100)));
  timeouts.write = std::min(timeouts.write, timing.dead_peer);
  return timeouts;
}

std::string seconds_text(std::chrono::milliseconds d) {
  char text[32];
  if (d.count() % 1000 == 0)
    std::snprintf(text, sizeof text, "%lld s", static_cast<long long>(d.count() / 1000));
  else
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return text;
}

std::string dead_peer_text(const std::string& peer, const ResumeTiming& timing, bool reconnecting) {
  std::string text = "no answer from " + peer + " for " + seconds_text(timing.dead_peer) + ": the network may be down";
  if (reconnecting) text += "; trying to reconnect (up to " + seconds_text(timing.window) + ")";
  return text;
}

}  // namespace elfdesk
