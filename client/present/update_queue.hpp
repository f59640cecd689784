// Ordered hand-off of picture updates from the network/decode thread to the SDL main thread. A decoded
// picture nobody took yet is replaced by the next one, which then carries the union of both coded areas
// (the viewer always shows the newest picture, so latency never builds up); exact-pixel updates cannot be
// skipped, so they stay queued in order. Thread-safe; the queue owns updates until they are taken.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "client/decode/picture_update.hpp"

namespace elfdesk::client {

class UpdateQueue {
 public:
  static constexpr std::size_t kMaxQueued = 64;

  // Called after a put() into an empty queue, on the putting thread and outside the lock (later puts
  // need no new wake-up: the first one's is still pending). Typically SdlPresenter::waker().
  void set_waker(std::function<void()> waker);

  // False when kMaxQueued updates were already waiting: the queue was emptied (the main thread is stuck
  // or far behind) and the caller must ask the host for a keyframe to start over from.
  bool put(PictureUpdate update);
  std::vector<PictureUpdate> take_all();

  std::uint64_t dropped() const;  // pictures replaced before anyone took them, or emptied on overflow
  std::uint64_t taken() const;

 private:
  mutable std::mutex mutex_;
  std::vector<PictureUpdate> queue_;
  std::function<void()> waker_;
  std::uint64_t dropped_ = 0;
  std::uint64_t taken_ = 0;
};

}  // namespace elfdesk::client
