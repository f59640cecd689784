#include "host/pipeline/scroll_detector.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace elfdesk::host {
namespace {

constexpr int kMinRows = 64;
constexpr int kMinMoveRows = 32;
constexpr int kMinMoveWidth = 32;
constexpr int kSampledRows = 48;
// 8-byte words a fingerprint reads per row at most (2 pixels every ~20 of a 1920-pixel row): enough to
// tell lines of text apart, a tenth of the bytes of a full hash.
constexpr std::size_t kFingerprintWords = 96;

Rect intersection(const Rect& a, const Rect& b) {
  const int x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const int x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? Rect{x0, y0, x1 - x0, y1 - y0} : Rect{};
}

// Where `current`'s rows inside `dest` equal `previous`'s rows at (x + dx, y + dy): the longest run of
// rows, each compared in full (a row that differs stops memcmp at its first differing bytes).
Rect longest_equal_run(const BgraImage& previous, const BgraImage& current, const Rect& dest, int dx, int dy) {
  const auto bytes = static_cast<std::size_t>(dest.width) * 4;
  int best_start = 0, best_length = 0, start = 0, length = 0;
  for (int y = dest.y; y < dest.y + dest.height; ++y) {
    if (std::memcmp(current.row(y) + static_cast<std::size_t>(dest.x) * 4,
                    previous.row(y + dy) + static_cast<std::size_t>(dest.x + dx) * 4, bytes) == 0) {
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

// A row's fingerprint: up to kFingerprintWords words spread evenly over its bytes, mixed by multiply-xor
// in four independent lanes (std::hash over every byte was 7% of the host's CPU on a video). Rows that
// differ only between the words read share a fingerprint: that costs a vote or a compare, never a wrong
// match, since every row of a match is compared in full.
std::uint64_t fingerprint(const std::uint8_t* row, std::size_t bytes, ScrollCost& cost) {
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
  const std::size_t words = bytes / 8;
  const std::size_t step = std::max<std::size_t>(1, (words + kFingerprintWords - 1) / kFingerprintWords);
  std::uint64_t lane[4] = {bytes, 1, 2, 3};
  std::size_t read = 0;
  for (std::size_t i = 0; i < words; i += step, ++read) {
    std::uint64_t word;
    std::memcpy(&word, row + i * 8, 8);
    std::uint64_t& h = lane[read & 3];
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  }
  if (const std::size_t tail = bytes % 8; tail != 0) {  // an odd width's last pixel
    std::uint64_t word = 0;
    std::memcpy(&word, row + words * 8, tail);
    lane[0] = (lane[0] ^ word) * kMul;
  }
  cost.bytes_fingerprinted += static_cast<long>(read * 8 + bytes % 8);
  ++cost.rows_fingerprinted;
  return ((lane[0] * kMul ^ lane[1]) * kMul ^ lane[2]) * kMul ^ lane[3];
}

std::uint64_t row_fingerprint(const BgraImage& image, const Rect& bounds, int y, ScrollCost& cost) {
  return fingerprint(image.row(y) + static_cast<std::size_t>(bounds.x) * 4, static_cast<std::size_t>(bounds.width) * 4,
                     cost);
}

// Votes for the shift: sampled rows of `current` whose fingerprint occurs exactly once among `previous`'s
// rows (blank or repeated rows say nothing) point at where they came from. Only the previous rows are all
// fingerprinted; a video's rows match nothing, and the search ends there.
std::optional<int> likely_shift(const BgraImage& previous, const BgraImage& current, const Rect& bounds,
                                ScrollCost& cost) {
  std::vector<std::pair<std::uint64_t, int>> before;  // fingerprint, row; sorted
  before.reserve(static_cast<std::size_t>(bounds.height));
  for (int y = bounds.y; y < bounds.y + bounds.height; ++y)
    before.emplace_back(row_fingerprint(previous, bounds, y, cost), y);
  std::sort(before.begin(), before.end());
  std::vector<std::pair<int, int>> votes;  // shift, count
  const int step = std::max(1, bounds.height / kSampledRows);
  for (int y = bounds.y; y < bounds.y + bounds.height; y += step) {
    const std::uint64_t print = row_fingerprint(current, bounds, y, cost);
    const auto [first, last] = std::equal_range(before.begin(), before.end(), std::pair{print, 0},
                                                [](const auto& a, const auto& b) { return a.first < b.first; });
    if (last - first != 1 || first->second == y) continue;
    const int shift = first->second - y;
    const auto it = std::find_if(votes.begin(), votes.end(), [&](const auto& v) { return v.first == shift; });
    if (it == votes.end()) votes.emplace_back(shift, 1);
    else ++it->second;
  }
  const auto best = std::max_element(votes.begin(), votes.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best == votes.end() || best->second < 3) return std::nullopt;
  return best->first;
}

}  // namespace

std::optional<ScrollMatch> detect_scroll(const BgraImage& previous, const BgraImage& current, const Rect& bounds,
                                         ScrollCost* cost) {
  if (previous.width != current.width || previous.height != current.height || bounds.height < kMinRows ||
      bounds.width <= 0 || bounds.x < 0 || bounds.y < 0 || bounds.x + bounds.width > current.width ||
      bounds.y + bounds.height > current.height)
    return std::nullopt;
  ScrollCost spent;
  const auto shift = likely_shift(previous, current, bounds, spent);
  std::optional<ScrollMatch> match;
  if (shift) {
    const int dy = *shift;
    // Rows whose source lies inside the bounds.
    const Rect dest = intersection(bounds, Rect{bounds.x, bounds.y - dy, bounds.width, bounds.height});
    spent.rows_compared += dest.height;
    const Rect run = longest_equal_run(previous, current, dest, 0, dy);
    if (run.height >= std::max(kMinRows, bounds.height / 4)) match = ScrollMatch{run, dy, 0};
  }
  if (cost != nullptr) {
    cost->rows_fingerprinted += spent.rows_fingerprinted;
    cost->bytes_fingerprinted += spent.bytes_fingerprinted;
    cost->rows_compared += spent.rows_compared;
  }
  return match;
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
  const Rect run = longest_equal_run(previous, current, dest, dx, dy);
  if (run.height < std::max(kMinMoveRows, dest.height / 4)) return std::nullopt;
  return ScrollMatch{run, dy, dx};
}

}  // namespace elfdesk::host
