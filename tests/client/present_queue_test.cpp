#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "client/present/update_queue.hpp"

using elfdesk::I420Image;
using elfdesk::Rect;
using namespace elfdesk::client;

namespace {
PictureUpdate video(std::uint64_t id, std::vector<Rect> coded, int width = 32) {
  return PictureUpdate{VideoUpdate{I420Image::make(width, 16), std::move(coded)}, id, id * 10, 0};
}
PictureUpdate pixels(std::uint64_t id) {
  return PictureUpdate{PixelsUpdate{32, 16, {Rect{0, 0, 1, 1}}, {1, 2, 3, 4}}, id, id * 10, 0};
}
std::vector<Rect> coded_of(const PictureUpdate& u) { return std::get<VideoUpdate>(u.content).coded; }
}  // namespace

TEST_CASE("queue: a newer picture replaces one not yet taken, with the union of their coded areas") {
  UpdateQueue queue;
  int wakes = 0;
  queue.set_waker([&] { ++wakes; });
  CHECK(queue.take_all().empty());
  CHECK(queue.put(video(1, {Rect{0, 0, 16, 16}})));
  CHECK(queue.put(video(2, {Rect{16, 0, 16, 16}})));
  CHECK(wakes == 1);  // one pending wake-up covers the later puts
  auto got = queue.take_all();
  REQUIRE(got.size() == 1);
  CHECK(got[0].frame_id == 2);
  CHECK(got[0].capture_time_us == 20);
  CHECK(coded_of(got[0]) == std::vector<Rect>{Rect{0, 0, 16, 16}, Rect{16, 0, 16, 16}});
  CHECK(queue.dropped() == 1);

  // "Everything" absorbs any area; a new size starts over with the whole picture.
  queue.put(video(3, {Rect{0, 0, 16, 16}}));
  queue.put(video(4, {}));
  queue.put(video(5, {Rect{16, 0, 16, 16}}));
  got = queue.take_all();
  REQUIRE(got.size() == 1);
  CHECK(coded_of(got[0]).empty());
  queue.put(video(6, {Rect{0, 0, 16, 16}}));
  queue.put(video(7, {Rect{0, 0, 16, 16}}, 64));
  got = queue.take_all();
  REQUIRE(got.size() == 1);
  CHECK(std::get<VideoUpdate>(got[0].content).image.width == 64);
  CHECK(wakes == 3);  // one per batch taken
  CHECK(queue.taken() == 3);
}

TEST_CASE("queue: exact pixels are never skipped and keep their place between pictures") {
  UpdateQueue queue;
  queue.put(video(1, {Rect{0, 0, 16, 16}}));
  queue.put(pixels(2));
  queue.put(video(3, {Rect{16, 0, 16, 16}}));  // not merged across the pixels
  queue.put(pixels(4));
  queue.put(pixels(5));
  const auto got = queue.take_all();
  REQUIRE(got.size() == 5);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].frame_id == i + 1);
  CHECK(queue.dropped() == 0);
}

TEST_CASE("queue: when the consumer is stuck it empties itself and asks for a keyframe") {
  UpdateQueue queue;
  for (std::uint64_t id = 1; id <= UpdateQueue::kMaxQueued; ++id) CHECK(queue.put(pixels(id)));
  CHECK_FALSE(queue.put(pixels(UpdateQueue::kMaxQueued + 1)));
  CHECK(queue.take_all().empty());
  CHECK(queue.dropped() == UpdateQueue::kMaxQueued + 1);
  CHECK(queue.put(video(100, {})));  // and works again
  CHECK(queue.take_all().size() == 1);
}

TEST_CASE("queue under a producer and a consumer thread: order kept, every update accounted for") {
  UpdateQueue queue;
  std::atomic<int> wakes{0};
  queue.set_waker([&] { ++wakes; });
  constexpr std::uint64_t kUpdates = 5000;
  std::atomic<bool> overflowed{false};
  std::thread producer([&] {
    for (std::uint64_t id = 1; id <= kUpdates; ++id)
      if (!queue.put(id % 3 == 0 ? pixels(id) : video(id, {Rect{0, 0, 16, 16}}))) overflowed = true;
  });
  std::uint64_t last = 0;
  bool ordered = true;
  std::uint64_t received = 0;
  while (last != kUpdates && !overflowed) {
    const auto got = queue.take_all();
    if (got.empty()) std::this_thread::yield();
    for (const auto& u : got) {
      ordered = ordered && u.frame_id > last;
      last = u.frame_id;
      ++received;
    }
  }
  producer.join();
  received += queue.take_all().size();
  CHECK(ordered);
  CHECK(queue.taken() + queue.dropped() == kUpdates);
  CHECK(queue.taken() == received);
  CHECK(wakes.load() >= 1);
}
