#include "client/present/frame_mailbox.hpp"

#include <utility>

namespace elfdesk::client {

void FrameMailbox::set_waker(std::function<void()> waker) {
  std::lock_guard lock(mutex_);
  waker_ = std::move(waker);
}

void FrameMailbox::put(DecodedFrame frame) {
  std::function<void()> wake;
  std::optional<DecodedFrame> replaced;  // freed after unlocking: the consumer never waits on free()
  {
    std::lock_guard lock(mutex_);
    if (slot_) ++dropped_;
    else wake = waker_;
    replaced = std::exchange(slot_, std::move(frame));
  }
  if (wake) wake();
}

std::optional<DecodedFrame> FrameMailbox::take() {
  std::lock_guard lock(mutex_);
  std::optional<DecodedFrame> out = std::exchange(slot_, std::nullopt);
  if (out) ++taken_;
  return out;
}

std::uint64_t FrameMailbox::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t FrameMailbox::taken() const {
  std::lock_guard lock(mutex_);
  return taken_;
}

}  // namespace elfdesk::client
