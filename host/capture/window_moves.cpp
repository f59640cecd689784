#include "host/capture/window_moves.hpp"

#include <algorithm>
#include <utility>

namespace elfdesk::host {

bool WindowMoves::place(WindowId id, const Rect& where) {
  const auto [it, added] = now_.try_emplace(id, where);
  if (added) return true;
  return !(std::exchange(it->second, where) == where);
}

void WindowMoves::forget(WindowId id) { now_.erase(id); }

std::vector<WindowMove> WindowMoves::take_moves() {
  std::vector<WindowMove> moves;
  for (const auto& [id, to] : now_) {
    const auto before = at_last_frame_.find(id);
    if (before == at_last_frame_.end() || to.empty()) continue;
    const Rect& from = before->second;
    if (from.width == to.width && from.height == to.height && (from.x != to.x || from.y != to.y))
      moves.push_back(WindowMove{from, to});
  }
  at_last_frame_ = now_;
  std::sort(moves.begin(), moves.end(), [](const WindowMove& a, const WindowMove& b) {
    return static_cast<long>(a.to.width) * a.to.height > static_cast<long>(b.to.width) * b.to.height;
  });
  return moves;
}

}  // namespace elfdesk::host
