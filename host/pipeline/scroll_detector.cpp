#include "host/pipeline/scroll_detector.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace elfdesk::host {
namespace {

constexpr int kMinRows = 64;
constexpr int kMinMoveRows = 32;
constexpr int kMinMoveWidth = 32;
constexpr int kSampledRows = 48;

Rect intersection(const Rect& a, const Rect& b) {
  const int x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const int x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? Rect{x0, y0, x1 - x0, y1 - y0} : Rect{};
}

// Where `current`'s rows inside `dest` equal `previous`'s rows at (x + dx, y + dy): the longest run of
// rows, each compared in full; `same_hash` (or nullptr) rules out rows cheaply first.
Rect longest_equal_run(const BgraImage& previous, const BgraImage& current, const Rect& dest, int dx, int dy,
                       const std::function<bool(int)>& same_hash) {
  const auto bytes = static_cast<std::size_t>(dest.width) * 4;
  int best_start = 0, best_length = 0, start = 0, length = 0;
  for (int y = dest.y; y < dest.y + dest.height; ++y) {
    const bool match = (!same_hash || same_hash(y)) &&
                       std::memcmp(current.row(y) + static_cast<std::size_t>(dest.x) * 4,
                                   previous.row(y + dy) + static_cast<std::size_t>(dest.x + dx) * 4, bytes) == 0;
    if (match) {
      if (length == 0) start = y;
      if (++length > best_length) {
        best_start = start;
        best_length = length;
      }
    } else {
      length = 0;
    }
  }
  return Rect{dest.x, best_start, dest.width, best_length};
}

std::vector<std::size_t> row_hashes(const BgraImage& image, const Rect& bounds) {
  std::vector<std::size_t> hashes(static_cast<std::size_t>(bounds.height));
  const auto bytes = static_cast<std::size_t>(bounds.width) * 4;
  for (int y = 0; y < bounds.height; ++y) {
    const auto* row = reinterpret_cast<const char*>(image.row(bounds.y + y) + static_cast<std::size_t>(bounds.x) * 4);
    hashes[static_cast<std::size_t>(y)] = std::hash<std::string_view>{}(std::string_view(row, bytes));
  }
  return hashes;
}

// Votes for the shift: rows of `current` that occur exactly once in `previous` (blank or repeated rows
// say nothing) point at where they came from.
std::optional<int> likely_shift(const std::vector<std::size_t>& before, const std::vector<std::size_t>& after) {
  std::unordered_map<std::size_t, int> where;  // hash -> row, or -1 when the row repeats
  where.reserve(before.size());
  for (std::size_t y = 0; y < before.size(); ++y) {
    auto [it, fresh] = where.try_emplace(before[y], static_cast<int>(y));
    if (!fresh) it->second = -1;
  }
  std::map<int, int> votes;
  const std::size_t step = std::max<std::size_t>(1, after.size() / kSampledRows);
  for (std::size_t y = 0; y < after.size(); y += step) {
    const auto it = where.find(after[y]);
    if (it != where.end() && it->second >= 0 && it->second != static_cast<int>(y))
      ++votes[it->second - static_cast<int>(y)];
  }
  const auto best = std::max_element(votes.begin(), votes.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best == votes.end() || best->second < 3) return std::nullopt;
  return best->first;
}

}  // namespace

std::optional<ScrollMatch> detect_scroll(const BgraImage& previous, const BgraImage& current, const Rect& bounds) {
  if (previous.width != current.width || previous.height != current.height || bounds.height < kMinRows ||
      bounds.x < 0 || bounds.y < 0 || bounds.x + bounds.width > current.width ||
      bounds.y + bounds.height > current.height)
    return std::nullopt;
  const auto before = row_hashes(previous, bounds);
  const auto after = row_hashes(current, bounds);
  const auto shift = likely_shift(before, after);
  if (!shift) return std::nullopt;
  const int dy = *shift;
  // Rows whose source lies inside the bounds, with the hashes ruling out most rows before a compare.
  const Rect dest = intersection(bounds, Rect{bounds.x, bounds.y - dy, bounds.width, bounds.height});
  const Rect run = longest_equal_run(previous, current, dest, 0, dy, [&](int y) {
    return after[static_cast<std::size_t>(y - bounds.y)] == before[static_cast<std::size_t>(y + dy - bounds.y)];
  });
  if (run.height < std::max(kMinRows, bounds.height / 4)) return std::nullopt;
  return ScrollMatch{run, dy, 0};
}

std::optional<ScrollMatch> match_move(const BgraImage& previous, const BgraImage& current, const Rect& from,
                                      const Rect& to) {
  if (previous.width != current.width || previous.height != current.height || from.width != to.width ||
      from.height != to.height)
    return std::nullopt;
  const int dx = from.x - to.x, dy = from.y - to.y;
  const Rect screen{0, 0, current.width, current.height};
  // The window's destination rows whose source is on screen too.
  const Rect dest = intersection(intersection(to, screen), Rect{-dx, -dy, current.width, current.height});
  if (dest.width < kMinMoveWidth || dest.height < kMinMoveRows) return std::nullopt;
  const Rect run = longest_equal_run(previous, current, dest, dx, dy, nullptr);
  if (run.height < std::max(kMinMoveRows, dest.height / 4)) return std::nullopt;
  return ScrollMatch{run, dy, dx};
}

}  // namespace elfdesk::host
