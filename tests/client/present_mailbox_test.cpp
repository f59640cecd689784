#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "client/present/frame_mailbox.hpp"

using elfdesk::I420Image;
using elfdesk::client::DecodedFrame;
using elfdesk::client::FrameMailbox;

namespace {
DecodedFrame frame(std::uint64_t id) { return DecodedFrame{I420Image::make(4, 2), id, id * 10, 0}; }
}  // namespace

TEST_CASE("mailbox keeps only the newest picture and counts the ones replaced") {
  FrameMailbox box;
  int wakes = 0;
  box.set_waker([&] { ++wakes; });
  CHECK_FALSE(box.take().has_value());
  box.put(frame(1));
  box.put(frame(2));
  box.put(frame(3));
  CHECK(wakes == 1);  // one pending wake-up covers the replacements
  CHECK(box.dropped() == 2);
  auto got = box.take();
  REQUIRE(got.has_value());
  CHECK(got->frame_id == 3);
  CHECK(got->capture_time_us == 30);
  CHECK(got->image.width == 4);
  CHECK_FALSE(box.take().has_value());
  box.put(frame(4));
  CHECK(wakes == 2);
  CHECK(box.take()->frame_id == 4);
  CHECK(box.taken() == 2);
  CHECK(box.dropped() == 2);
}

TEST_CASE("mailbox under a producer and a consumer thread: nothing lost, order kept") {
  FrameMailbox box;
  std::atomic<int> wakes{0};
  box.set_waker([&] { ++wakes; });
  constexpr std::uint64_t kFrames = 5000;
  std::thread producer([&] {
    for (std::uint64_t id = 1; id <= kFrames; ++id) box.put(frame(id));
  });
  std::uint64_t last = 0;
  bool ordered = true;
  while (last != kFrames) {
    if (auto f = box.take()) {
      ordered = ordered && f->frame_id > last;
      last = f->frame_id;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  CHECK(ordered);
  CHECK(box.taken() + box.dropped() == kFrames);
  CHECK(wakes.load() == static_cast<int>(box.taken()));  // each delivered picture was announced once
}
