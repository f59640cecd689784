// Test stand-in for `elfdesk view` on its own thread: receives what a VideoStreamer sends (VP8 frames and
// exact pixel updates), decodes and composes them in order with the viewer's RemotePicture, acknowledges
// each frame, and counts what arrived. Header-only test support.
#pragma once
#include <doctest/doctest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>
#include <variant>

#include "client/decode/picture_update.hpp"
#include "client/decode/remote_picture.hpp"
#include "client/decode/video_decoder.hpp"
#include "host/pipeline/video_streamer.hpp"

namespace elfdesk::test {

class DecodingViewer {
 public:
  explicit DecodingViewer(host::VideoStreamer*& streamer) : streamer_(streamer) {
    auto decoder = client::make_vp8_decoder();
    REQUIRE(decoder);
    decoder_ = std::move(*decoder);
    thread_ = std::thread([this] { run(); });
  }
  ~DecodingViewer() { stop(); }
  // Handles what is queued, then ends the thread; after it the viewer no longer touches the streamer.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Callbacks for the streamer under test.
  host::StreamerCallbacks callbacks() {
    host::StreamerCallbacks c;
    c.send_frame = [this](protocol::VideoFrame f) { receive(std::move(f)); };
    c.send_pixels = [this](protocol::PixelUpdate p) { receive(std::move(p)); };
    return c;
  }
  BgraImage shown() const {
    const std::lock_guard lock(mutex_);
    return picture_.pixels();
  }
  int video_frames() const {
    const std::lock_guard lock(mutex_);
    return video_frames_;
  }
  int pixel_updates() const {
    const std::lock_guard lock(mutex_);
    return pixel_updates_;
  }
  int scrolls() const {
    const std::lock_guard lock(mutex_);
    return scrolls_;
  }
  // The pixels each exact update carried (its rectangles' area), in order.
  std::vector<long> exact_areas() const {
    const std::lock_guard lock(mutex_);
    return exact_areas_;
  }
  std::size_t bytes() const {
    const std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  using Item = std::variant<protocol::VideoFrame, protocol::PixelUpdate>;
  void receive(Item item) {
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(item));
    }
    ready_.notify_all();
  }
  void run() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      std::uint64_t id = 0;
      if (auto* frame = std::get_if<protocol::VideoFrame>(&item)) {
        id = frame->frame_id;
        auto image = decoder_->decode(frame->data, frame->keyframe);
        const std::lock_guard lock(mutex_);
        ++video_frames_;
        bytes_ += frame->data.size();
        if (image && frame->keyframe) picture_.apply(*image);
        else if (image) picture_.apply(*image, client::to_rects(frame->coded), client::to_copies(frame->copies));
        if (!frame->copies.empty()) ++scrolls_;
      } else {
        const auto& update = std::get<protocol::PixelUpdate>(item);
        id = update.frame_id;
        auto unpacked = client::unpack(update);
        const std::lock_guard lock(mutex_);
        ++pixel_updates_;
        long area = 0;
        for (const auto& r : update.rects) area += static_cast<long>(r.width) * r.height;
        exact_areas_.push_back(area);
        if (!update.copies.empty()) ++scrolls_;
        bytes_ += update.bgra_zstd.size();
        CHECK(unpacked.has_value());
        if (unpacked) CHECK(picture_.apply(*unpacked).has_value());
      }
      streamer_->on_ack(id);
    }
  }

  host::VideoStreamer*& streamer_;
  std::unique_ptr<client::VideoDecoder> decoder_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  client::RemotePicture picture_;
  int video_frames_ = 0, pixel_updates_ = 0, scrolls_ = 0;
  std::size_t bytes_ = 0;
  std::vector<long> exact_areas_;
  bool done_ = false;
  std::thread thread_;
};

// A real VideoStreamer fed by `screen`, streaming into a DecodingViewer from construction to destruction.
// Without `exact_pixels` the streamer has no way to send PixelUpdates and codes everything as VP8.
struct StreamedSession {
  explicit StreamedSession(std::unique_ptr<host::ScreenCapturer> screen, host::SchedulerConfig config = {},
                           bool exact_pixels = true)
      : viewer(streamer), video(std::move(screen), callbacks_for(viewer, exact_pixels), config) {
    streamer = &video;
    video.start();
  }
  // The streamer stops sending first, then the viewer stops acknowledging: only then may `video` go,
  // which members do before `viewer` (reverse order of declaration).
  ~StreamedSession() {
    video.stop();
    viewer.stop();
  }

  static host::StreamerCallbacks callbacks_for(DecodingViewer& viewer, bool exact_pixels) {
    host::StreamerCallbacks c = viewer.callbacks();
    if (!exact_pixels) c.send_pixels = nullptr;
    return c;
  }

  host::VideoStreamer* streamer = nullptr;  // first: the viewer acknowledges through it
  DecodingViewer viewer;
  host::VideoStreamer video;
};

}  // namespace elfdesk::test
