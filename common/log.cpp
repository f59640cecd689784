#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <mutex>

namespace elfdesk::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
}  // namespace

void set_level(Level level) { g_level.store(level); }
void set_level_from_env(Level fallback) {
  const char* env = std::getenv("ELFDESK_LOG");
  const std::string_view name = env ? env : "";
  for (int i = 0; i <= static_cast<int>(Level::off); ++i)
    if (name == kNames[i]) fallback = static_cast<Level>(i);
  set_level(fallback);
}

Level level() { return g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view text) {
  const std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "elfdesk %s: %.*s\n", kNames[static_cast<int>(level)], static_cast<int>(text.size()),
               text.data());
}

}  // namespace elfdesk::log
