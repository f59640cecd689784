#include "common/send_lanes.hpp"

#include <utility>

namespace elfdesk {

std::size_t SendLanes::cost_of_picture(const protocol::Message& picture) {
  std::size_t payload = 0;
  if (const auto* video = std::get_if<protocol::VideoFrame>(&picture))
    payload = video->data.size() + (video->coded.size() + video->copies.size()) * sizeof(protocol::ScreenCopy);
  else if (const auto* pixels = std::get_if<protocol::PixelUpdate>(&picture))
    payload = pixels->bgra_zstd.size() + (pixels->rects.size() + pixels->copies.size()) * sizeof(protocol::ScreenCopy);
  else if (const auto* region = std::get_if<protocol::RegionFrame>(&picture))
    payload = region->data.size() + (region->coded.size() + region->copies.size()) * sizeof(protocol::ScreenCopy);
  else if (const auto* scaled = std::get_if<protocol::ScaledFrame>(&picture))
    payload = scaled->data.size() + (scaled->coded.size() + scaled->copies.size()) * sizeof(protocol::ScreenCopy);
  else if (const auto* patch = std::get_if<protocol::PixelPatch>(&picture))
    payload = patch->data.size() + (patch->rects.size() + patch->copies.size()) * sizeof(protocol::ScreenCopy);
  return payload + kPerMessageOverhead;
}

bool SendLanes::push_control(std::vector<std::uint8_t> bytes, bool pong) {
  const std::size_t cost = cost_of_encoded(bytes.size());
  if (control_cost_ + cost > caps_.control) return false;
  control_cost_ += cost;
  pongs_ += pong ? 1 : 0;
  control_.push_back(Outgoing{Lane::control, std::move(bytes), std::nullopt, cost, pong});
  return true;
}

bool SendLanes::push_picture(protocol::Message picture) {
  if (video_.size() >= caps_.video_messages) return false;
  const std::size_t cost = cost_of_picture(picture);
  if (!video_.empty() && video_cost_ + cost > caps_.video) return false;
  video_cost_ += cost;
  video_.push_back(Outgoing{Lane::video, {}, std::move(picture), cost, false});
  return true;
}

bool SendLanes::bulk_has_room(std::size_t bytes) const {
  return bulk_.empty() || bulk_cost_ + cost_of_encoded(bytes) <= caps_.bulk;
}

void SendLanes::push_bulk(std::vector<std::uint8_t> bytes) {
  const std::size_t cost = cost_of_encoded(bytes.size());
  bulk_cost_ += cost;
  bulk_.push_back(Outgoing{Lane::bulk, std::move(bytes), std::nullopt, cost, false});
}

std::optional<Outgoing> SendLanes::pop() {
  auto take = [](std::deque<Outgoing>& queue, std::size_t& cost) {
    Outgoing out = std::move(queue.front());
    queue.pop_front();
    cost -= out.cost;
    return out;
  };
  if (!control_.empty()) {
    auto out = take(control_, control_cost_);
    pongs_ -= out.pong ? 1 : 0;
    return out;
  }
  if (!video_.empty()) return take(video_, video_cost_);
  if (!bulk_.empty()) return take(bulk_, bulk_cost_);
  return std::nullopt;
}

void SendLanes::clear_media() {
  video_.clear();
  bulk_.clear();
  video_cost_ = bulk_cost_ = 0;
}

void SendLanes::clear() {
  control_.clear();
  clear_media();
  control_cost_ = pongs_ = 0;
}

}  // namespace elfdesk
