// The viewer's main-thread step between the UpdateQueue and the acknowledgement: applies a batch of
// picture updates to the window in order, pushes them to the screen, and only then names the picture to
// acknowledge, so the host's flow control sees what is on the engineer's screen, not what was decoded.
// Main thread (the presenter's); values in and out.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "client/decode/picture_update.hpp"
#include "client/present/sdl_presenter.hpp"

namespace elfdesk::client {

struct ShownPictures {
  std::optional<PictureStamp> newest;  // the picture to acknowledge (acks are cumulative); none: empty batch
  std::uint64_t shown_us = 0;          // monotonic_us() once the window had them (SdlPresenter::present_time_us)
  bool needs_keyframe = false;         // an update did not fit the picture shown (a resize crossed it)
};

ShownPictures show_pictures(SdlPresenter& window, std::vector<PictureUpdate> updates);

}  // namespace elfdesk::client
