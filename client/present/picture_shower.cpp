#include "client/present/picture_shower.hpp"

#include "client/present/frame_trace.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace elfdesk::client {

ShownPictures show_pictures(SdlPresenter& window, std::vector<PictureUpdate> updates) {
  ShownPictures shown;
  if (updates.empty()) return shown;
  const std::uint64_t taken_us = monotonic_us();
  for (const PictureUpdate& update : updates) {
    if (const auto* video = std::get_if<VideoUpdate>(&update.content)) {
      (void)window.set_frame(video->image, video->coded, video->copies);  // fails only for an empty image
    } else if (auto ok = window.set_pixels(std::get<PixelsUpdate>(update.content)); !ok) {
      // Pixels for a picture we do not have (a screen resize crossed them): start over from a keyframe.
      log::debug("pixel update not applied: {}", ok.error().detail);
      shown.needs_keyframe = true;
    }
  }
  const std::uint64_t presented_before = window.frames_presented();
  window.present();  // now, not on the next loop turn: the acknowledgement must follow the screen
  shown.newest = updates.back().stamp();
  // Nothing to draw (or no window surface): the batch is as shown as it will be.
  shown.shown_us = window.frames_presented() > presented_before ? window.present_time_us() : monotonic_us();
  trace_shown(updates, taken_us, shown.shown_us);
  return shown;
}

}  // namespace elfdesk::client
