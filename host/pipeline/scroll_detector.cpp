#include "host/pipeline/scroll_detector.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace elfdesk::host {
namespace {

constexpr int kMinRows = 64;
constexpr int kSampledRows = 48;

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

bool rows_equal(const BgraImage& a, int ya, const BgraImage& b, int yb, const Rect& bounds) {
  const auto x = static_cast<std::size_t>(bounds.x) * 4;
  return std::memcmp(a.row(ya) + x, b.row(yb) + x, static_cast<std::size_t>(bounds.width) * 4) == 0;
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
  // The longest run of rows that equal the row dy further in the previous picture.
  int best_start = 0, best_length = 0, start = 0, length = 0;
  for (int y = 0; y < bounds.height; ++y) {
    const int source = y + dy;
    const bool match = source >= 0 && source < bounds.height &&
                       after[static_cast<std::size_t>(y)] == before[static_cast<std::size_t>(source)] &&
                       rows_equal(current, bounds.y + y, previous, bounds.y + source, bounds);
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
  if (best_length < std::max(kMinRows, bounds.height / 4)) return std::nullopt;
  return ScrollMatch{Rect{bounds.x, bounds.y + best_start, bounds.width, best_length}, dy};
}

}  // namespace elfdesk::host
