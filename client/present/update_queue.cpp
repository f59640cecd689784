#include "client/present/update_queue.hpp"

#include <utility>

namespace elfdesk::client {
namespace {

// Folds `older` into `newer` when both are decoded pictures of one size: the newer picture holds every
// change of the older one (VP8 keeps skipped areas), so only the areas to take from it grow; the older
// one's moves still come first.
bool merge_into(PictureUpdate& newer, const PictureUpdate& older) {
  auto* n = std::get_if<VideoUpdate>(&newer.content);
  const auto* o = std::get_if<VideoUpdate>(&older.content);
  if (n == nullptr || o == nullptr) return false;
  if (n->image.width != o->image.width || n->image.height != o->image.height) return true;  // new size: whole
  // A move applies to what is shown after the older update, which only the older picture holds.
  if (!n->copies.empty()) return false;
  n->copies = o->copies;
  if (n->coded.empty() || o->coded.empty()) n->coded.clear();  // either was everything
  else n->coded.insert(n->coded.begin(), o->coded.begin(), o->coded.end());
  return true;
}

}  // namespace

void UpdateQueue::set_waker(std::function<void()> waker) {
  std::lock_guard lock(mutex_);
  waker_ = std::move(waker);
}

bool UpdateQueue::put(PictureUpdate update) {
  std::function<void()> wake;
  std::vector<PictureUpdate> discarded;  // freed after unlocking: the consumer never waits on free()
  bool kept = true;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) wake = waker_;
    if (!queue_.empty() && merge_into(update, queue_.back())) {
      ++dropped_;
      discarded.push_back(std::exchange(queue_.back(), std::move(update)));
    } else if (queue_.size() >= kMaxQueued) {
      dropped_ += queue_.size() + 1;
      discarded = std::exchange(queue_, {});
      kept = false;
    } else {
      queue_.push_back(std::move(update));
    }
  }
  if (wake) wake();
  return kept;
}

std::vector<PictureUpdate> UpdateQueue::take_all() {
  std::lock_guard lock(mutex_);
  taken_ += queue_.size();
  return std::exchange(queue_, {});
}

std::uint64_t UpdateQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t UpdateQueue::taken() const {
  std::lock_guard lock(mutex_);
  return taken_;
}

}  // namespace elfdesk::client
