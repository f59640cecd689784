// SendLanes alone: the order the writer takes messages in and what each lane's memory cost admits.
#include <doctest/doctest.h>

#include "common/send_lanes.hpp"

using namespace elfdesk;

TEST_CASE("control goes before pictures, pictures before bulk, each lane in its own order") {
  SendLanes lanes({1u << 20, 1u << 20, 4, 1u << 20});
  lanes.push_bulk({1});
  CHECK(lanes.push_picture(protocol::VideoFrame{7}));
  CHECK(lanes.push_control({2}));
  lanes.push_bulk({3});
  CHECK(lanes.push_picture(protocol::PixelUpdate{8}));
  CHECK(lanes.push_control({4}, /*pong=*/true));
  CHECK(lanes.pongs_queued() == 1);
  std::vector<int> order;
  while (auto out = lanes.pop()) {
    if (out->picture) order.push_back(out->picture->index() == 6 ? 70 : 80);
    else order.push_back(out->bytes[0]);
  }
  CHECK(order == std::vector<int>{2, 4, 70, 80, 1, 3});
  CHECK(lanes.empty());
  CHECK(lanes.pongs_queued() == 0);
  CHECK(lanes.control_cost() == 0);
  CHECK(lanes.bulk_cost() == 0);
  CHECK(lanes.video_cost() == 0);
}

TEST_CASE("each lane is bounded by memory cost, with one bulk message always admitted") {
  const std::size_t one = SendLanes::cost_of_encoded(100);
  SendLanes lanes({2 * one, one, 2, 2000});
  CHECK(lanes.push_control(std::vector<std::uint8_t>(100)));
  CHECK(lanes.push_control(std::vector<std::uint8_t>(100)));
  CHECK_FALSE(lanes.push_control(std::vector<std::uint8_t>(1)));  // the overhead alone does not fit
  CHECK(lanes.bulk_has_room(5000));                                // an empty bulk lane takes any chunk
  lanes.push_bulk(std::vector<std::uint8_t>(100));
  CHECK_FALSE(lanes.bulk_has_room(1));
  CHECK(lanes.push_picture(protocol::VideoFrame{1, 0, 16, 16, true, {}, {}, {}, protocol::Bytes(1000)}));
  CHECK(lanes.video_cost() >= 1000 + SendLanes::kPerMessageOverhead);
  // The second update would pass the cost cap (2000) although the count (2) allows it.
  CHECK_FALSE(lanes.push_picture(protocol::VideoFrame{2, 0, 16, 16, true, {}, {}, {}, protocol::Bytes(1000)}));
  CHECK(lanes.push_picture(protocol::VideoFrame{3}));
  CHECK_FALSE(lanes.push_picture(protocol::VideoFrame{4}));  // and the count
  lanes.clear();
  CHECK(lanes.empty());
  CHECK(lanes.control_cost() + lanes.bulk_cost() + lanes.video_cost() == 0);
}
