#include "relay/buffer_pool.hpp"

namespace elfdesk::relay {

std::unique_ptr<std::uint8_t[]> BufferPool::take() {
  if (free_.empty()) return std::make_unique_for_overwrite<std::uint8_t[]>(kSpliceBuffer);
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void BufferPool::give(std::unique_ptr<std::uint8_t[]> buffer) {
  if (free_.size() < kMaxFree) free_.push_back(std::move(buffer));
}

}  // namespace elfdesk::relay
