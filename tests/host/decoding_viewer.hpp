// Test stand-in for `elfdesk view`: receives what a VideoStreamer sends (VP8 frames, region frames and
// exact pixel updates), decodes and composes them with the viewer's own PictureReceiver and RemotePicture, acknowledges each one, and
// counts what arrived. Inline (deterministic step() runs: each update is shown and acknowledged inside the
// streamer's callback, on the test's thread) or threaded (its own thread, as the real viewer: the
// real-time smoke test). StreamedSession drives a streamer on a manual clock. Header-only test support.
#pragma once
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <type_traits>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "client/decode/picture_receiver.hpp"
#include "client/decode/remote_picture.hpp"
#include "common/clock.hpp"
#include "host/pipeline/video_streamer.hpp"
#include "protocol/codec.hpp"

namespace elfdesk::test {

class DecodingViewer {
 public:
  using Ack = std::function<void(const protocol::FrameAck&)>;
  DecodingViewer(Ack ack, bool threaded) : ack_(std::move(ack)) {
    auto receiver = client::PictureReceiver::create();
    REQUIRE(receiver);
    receiver_.emplace(std::move(*receiver));
    if (threaded) thread_ = std::thread([this] { run(); });
  }
  ~DecodingViewer() { stop(); }
  // Handles what is queued, then ends the thread; after it the viewer no longer acknowledges.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Callbacks for the streamer under test. Without `exact_pixels` the streamer cannot send PixelUpdates;
  // with `patches` it sends PixelPatches instead (a viewer with capability kPixelPatch, and kPatchRecall
  // unless `recall` is false); with `regions` it may send RegionFrames (capability kRegionStream), with
  // `scaled` ScaledFrames (kScaledFrame).
  host::StreamerCallbacks callbacks(bool exact_pixels = true, bool patches = false, bool regions = false,
                                    bool recall = true, bool scaled = false) {
    written_.recall = still_clock_.recall = patches && recall;
    host::StreamerCallbacks c;
    c.send_frame = [this](protocol::VideoFrame f) { receive(std::move(f)); };
    if (exact_pixels) c.send_pixels = [this](protocol::PixelUpdate p) { receive(std::move(p)); };
    if (exact_pixels && patches) c.send_patch = [this](protocol::PixelPatch p) { receive(std::move(p)); };
    if (regions) c.send_region = [this](protocol::RegionFrame r) { receive(std::move(r)); };
    if (scaled) c.send_scaled = [this](protocol::ScaledFrame f) { receive(std::move(f)); };
    return c;
  }
  // Threaded viewer: waits (on its condition, not a sleep) until `updates` have been shown.
  bool wait_for_updates(int updates, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return shown_.wait_for(lock, timeout,
                           [&] { return video_frames_ + pixel_updates_ + region_frames_ + scaled_frames_ >= updates; });
  }
  BgraImage shown() const {
    const std::lock_guard lock(mutex_);
    return picture_.pixels();
  }
  int video_frames() const { return locked(video_frames_); }
  int pixel_updates() const { return locked(pixel_updates_); }
  int scrolls() const { return locked(scrolls_); }
  std::vector<long> exact_areas() const { return locked(exact_areas_); }  // each exact update's area, in order
  std::size_t bytes() const { return locked(bytes_); }
  // Each update's size as a frame on the wire (the codec's payload and the 8-byte frame header; TLS adds
  // its record to that), in order.
  std::vector<std::size_t> frame_sizes() const { return locked(frame_sizes_); }
  // The same, with each update's clock fields held still (its timings 0, its capture time the previous
  // update's): what an update costs apart from how long the host took, which varies from run to run (a
  // varint timing crosses a byte under ASan). Comparing two sessions' sizes byte for byte needs these.
  std::vector<std::size_t> still_clock_sizes() const { return locked(still_clock_sizes_); }
  int patches() const { return locked(patches_); }
  int region_frames() const { return locked(region_frames_); }
  int region_generations() const { return locked(region_generations_); }  // region keyframes seen
  int scaled_frames() const { return locked(scaled_frames_); }
  int scaled_generations() const { return locked(scaled_generations_); }  // scaled keyframes seen

 private:
  using Item = std::variant<protocol::VideoFrame, protocol::PixelUpdate, protocol::PixelPatch, protocol::RegionFrame,
                            protocol::ScaledFrame>;
  template <typename T>
  T locked(const T& value) const {
    const std::lock_guard lock(mutex_);
    return value;
  }
  void receive(Item item) {
    if (!thread_.joinable()) return handle(item);
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
      handle(item);
    }
  }
  void handle(const Item& item) {
    {
      const std::lock_guard lock(mutex_);
      count(item);
    }
    decode_apply_ack(item);
    shown_.notify_all();
  }
  // The viewer's part, through the client's own receiver: decode, compose in order (a VP8 frame only
  // inside its coded areas, after its copies; exact pixels after theirs), then acknowledge. Every update
  // the streamer sends must apply; one that does not is still acknowledged so the test goes on and fails.
  void decode_apply_ack(const Item& item) {
    const std::uint64_t id = std::visit([](const auto& m) { return m.frame_id; }, item);
    client::PictureReply reply;
    {
      const std::lock_guard lock(mutex_);
      const auto decoded = std::visit([&](const auto& m) { return receiver_->receive(m); }, item);
      reply = client::apply_and_ack(picture_, decoded);
    }
    const auto* ack = std::get_if<protocol::FrameAck>(&reply);
    CHECK_MESSAGE(ack != nullptr, "update ", id, " could not be decoded or applied");
    ack_(ack ? *ack : protocol::FrameAck{id, 0, 0});
  }
  void count(const Item& item) {
    // Sized as a connection writes it: a PixelPatch relative to the picture update before it.
    const auto message = std::visit([](const auto& m) { return protocol::Message(m); }, item);
    const auto frame = protocol::encode_frame(message, written_);
    written_.note(message);
    CHECK_MESSAGE(frame.has_value(), "an update the codec refuses");
    frame_sizes_.push_back(frame ? frame->size() : 0);
    still_clock_sizes_.push_back(size_with_still_clock(item));
    if (frame) {  // and read back as the viewer's connection reads it, against its own base
      const auto header = protocol::parse_frame_header(
          std::span<const std::uint8_t, limits::kFrameHeaderSize>(frame->data(), limits::kFrameHeaderSize));
      const auto read = protocol::decode_payload(
          header ? header->type : 0, std::span(*frame).subspan(limits::kFrameHeaderSize), read_);
      CHECK_MESSAGE((read && *read == message), "an update that does not read back as written");
      if (read) read_.note(*read);
    }
    if (const auto* video = std::get_if<protocol::VideoFrame>(&item)) {
      ++video_frames_;
      bytes_ += video->data.size();
      if (!video->copies.empty()) ++scrolls_;
      return;
    }
    if (const auto* region = std::get_if<protocol::RegionFrame>(&item)) {
      ++region_frames_;
      if (region->keyframe) ++region_generations_;
      bytes_ += region->data.size();
      if (!region->copies.empty()) ++scrolls_;
      return;
    }
    if (const auto* scaled = std::get_if<protocol::ScaledFrame>(&item)) {
      ++scaled_frames_;
      if (scaled->keyframe) ++scaled_generations_;
      bytes_ += scaled->data.size();
      if (!scaled->copies.empty()) ++scrolls_;
      return;
    }
    std::visit(
        [&](const auto& update) {
          using T = std::decay_t<decltype(update)>;
          if constexpr (std::is_same_v<T, protocol::PixelUpdate> || std::is_same_v<T, protocol::PixelPatch>) {
            ++pixel_updates_;
            long area = 0;
            for (const auto& r : update.rects) area += static_cast<long>(r.width) * r.height;
            exact_areas_.push_back(area);
            if (!update.copies.empty()) ++scrolls_;
          }
        },
        item);
    if (const auto* patch = std::get_if<protocol::PixelPatch>(&item)) {
      ++patches_;
      bytes_ += patch->data.size();
    } else {
      bytes_ += std::get<protocol::PixelUpdate>(item).bgra_zstd.size();
    }
  }

  std::size_t size_with_still_clock(Item item) {
    std::visit(
        [&](auto& m) {
          m.timings = {};
          m.capture_time_us = still_clock_.capture_time_us;
        },
        item);
    const auto message = std::visit([](const auto& m) { return protocol::Message(m); }, item);
    const auto frame = protocol::encode_frame(message, still_clock_);
    still_clock_.note(message);
    return frame ? frame->size() : 0;
  }

  Ack ack_;
  protocol::PictureBase written_, read_, still_clock_;
  std::optional<client::PictureReceiver> receiver_;
  mutable std::mutex mutex_;
  std::condition_variable ready_, shown_;
  std::deque<Item> queue_;
  client::RemotePicture picture_;
  int video_frames_ = 0, pixel_updates_ = 0, scrolls_ = 0, patches_ = 0, region_frames_ = 0, region_generations_ = 0;
  int scaled_frames_ = 0, scaled_generations_ = 0;
  std::vector<std::size_t> frame_sizes_, still_clock_sizes_;
  std::size_t bytes_ = 0;
  std::vector<long> exact_areas_;
  bool done_ = false;
  std::thread thread_;
};

// A real VideoStreamer fed by `screen` on the manual `clock`, streaming into an inline DecodingViewer,
// driven turn by turn from the test's thread: no thread, no sleep, the same run every time.
struct StreamedSession {
  StreamedSession(ManualClock& c, std::unique_ptr<host::ScreenCapturer> screen, host::SchedulerConfig config = {},
                  bool exact_pixels = true, bool patches = false, bool regions = false, bool recall = true,
                  bool scaled = false)
      : clock(c),
        viewer([this](const protocol::FrameAck& ack) { video.on_ack(ack); }, /*threaded=*/false),
        video(std::move(screen), viewer.callbacks(exact_pixels, patches, regions, recall, scaled), config,
              host::StreamerParts{&clock, {}}) {}

  // Runs the loop's turns, advancing the clock by each wait the loop asks for, until `done()` holds or
  // `limit` of clock time has passed. Returns whether `done()` holds.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    const auto give_up = clock.now() + limit;
    while (!done()) {
      if (clock.now() >= give_up) return false;
      const host::VideoStreamer::Turn turn = video.step();
      if (turn.finished) return done();
      clock.advance(turn.wait);
    }
    return true;
  }
  // Runs the loop for `duration` of clock time.
  void run_for(std::chrono::milliseconds duration) {
    const auto end = clock.now() + duration;
    run_until([&] { return clock.now() >= end; }, duration + std::chrono::seconds(1));
  }

  ManualClock& clock;
  DecodingViewer viewer;  // before `video`: it acknowledges into it, and it goes after it
  host::VideoStreamer video;
};

}  // namespace elfdesk::test
