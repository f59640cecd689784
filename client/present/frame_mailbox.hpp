// Single-slot hand-off of the newest decoded picture from the network/decode thread to the SDL main
// thread: put() replaces a picture nobody took yet (counted as dropped) so the viewer always shows the
// latest, take() returns it. Thread-safe; the mailbox owns the picture until it is taken.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "common/image.hpp"

namespace elfdesk::client {

struct DecodedFrame {
  I420Image image;
  std::uint64_t frame_id = 0;
  std::uint64_t capture_time_us = 0;  // host monotonic clock, from the VideoFrame
  std::uint64_t decoded_time_us = 0;  // local monotonic clock when decoding finished
};

class FrameMailbox {
 public:
  // Called after a put() into an empty slot, on the putting thread and outside the lock (a replaced
  // picture needs no new wake-up: the one for its predecessor is still pending). Typically
  // SdlPresenter::waker(). Set it before the producer starts.
  void set_waker(std::function<void()> waker);

  void put(DecodedFrame frame);
  std::optional<DecodedFrame> take();

  std::uint64_t dropped() const;  // pictures replaced before anyone took them
  std::uint64_t taken() const;

 private:
  mutable std::mutex mutex_;
  std::optional<DecodedFrame> slot_;
  std::function<void()> waker_;
  std::uint64_t dropped_ = 0;
  std::uint64_t taken_ = 0;
};

}  // namespace elfdesk::client
