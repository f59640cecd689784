#include "host/pipeline/video_streamer.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"

namespace elfdesk::host {

using namespace std::chrono_literals;

VideoStreamer::VideoStreamer(std::unique_ptr<ScreenCapturer> capturer, StreamerCallbacks callbacks,
                             SchedulerConfig config)
    : capturer_(std::move(capturer)), callbacks_(std::move(callbacks)), scheduler_(clock_, config) {}

VideoStreamer::~VideoStreamer() { stop(); }

void VideoStreamer::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void VideoStreamer::stop() {
  running_ = false;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void VideoStreamer::on_ack(std::uint64_t frame_id) {
  if (scheduler_.on_ack(frame_id)) wake_.notify_all();
}

void VideoStreamer::request_keyframe() {
  scheduler_.request_keyframe();
  wake_.notify_all();
}

void VideoStreamer::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(wake_mutex_);
  wake_.wait_for(lock, d);
}

void VideoStreamer::poll_cursor() {
  auto cursor = capturer_->cursor();
  if (!cursor) return;
  if (cursor->shape && callbacks_.send_cursor_shape) {
    const CursorImage& s = *cursor->shape;
    callbacks_.send_cursor_shape(protocol::CursorShape{s.serial, static_cast<std::uint16_t>(s.width),
                                                       static_cast<std::uint16_t>(s.height),
                                                       static_cast<std::uint16_t>(s.hot_x),
                                                       static_cast<std::uint16_t>(s.hot_y), s.rgba});
  }
  if ((cursor->x != last_cursor_.x || cursor->y != last_cursor_.y || cursor->visible != last_cursor_.visible) &&
      callbacks_.send_cursor_position) {
    callbacks_.send_cursor_position(protocol::CursorPosition{cursor->x, cursor->y, cursor->visible});
  }
  last_cursor_.x = cursor->x;
  last_cursor_.y = cursor->y;
  last_cursor_.visible = cursor->visible;
}

bool VideoStreamer::encode_and_send(const BgraImage& image, std::vector<Rect> dirty, bool keyframe, bool top_off,
                                    std::uint64_t capture_time_us, std::uint32_t capture_us) {
  if (!encoder_ || encoder_->width() != image.width || encoder_->height() != image.height) {
    auto made = make_vp8_encoder(EncoderSettings{image.width, image.height, scheduler_.target_kbps(), 30});
    if (!made) {
      log::error("cannot create the video encoder: {}", made.error().detail);
      return false;
    }
    encoder_ = std::move(*made);
    keyframe = true;
  }
  if (const int kbps = scheduler_.target_kbps(); kbps != applied_kbps_) {
    encoder_->set_target_kbps(kbps);
    applied_kbps_ = kbps;
  }
  if (keyframe) dirty = {Rect{0, 0, image.width, image.height}};
  auto encoded = encoder_->encode(EncodeRequest{&image, std::move(dirty), keyframe, top_off});
  if (!encoded) {
    log::error("encoding failed: {}", encoded.error().detail);
    scheduler_.request_keyframe();
    return false;
  }
  if (!*encoded) return false;
  const auto id = next_frame_id_++;
  protocol::VideoFrame frame;
  frame.frame_id = id;
  frame.capture_time_us = capture_time_us;
  frame.width = static_cast<std::uint16_t>(image.width);
  frame.height = static_cast<std::uint16_t>(image.height);
  frame.keyframe = (*encoded)->keyframe;
  frame.timings = {capture_us, (*encoded)->encode_us,
                   static_cast<std::uint32_t>(monotonic_us() - capture_time_us - capture_us - (*encoded)->encode_us)};
  frame.data = std::move((*encoded)->data);
  scheduler_.on_sent(id, frame.data.size(), top_off);
  frames_sent_++;
  callbacks_.send_frame(std::move(frame));
  return true;
}

void VideoStreamer::remember_for_top_off(bool keyframe, const std::vector<Rect>& dirty) {
  if (keyframe) {
    top_off_area_.clear();  // keyframes are encoded sharp already
    return;
  }
  top_off_area_.insert(top_off_area_.end(), dirty.begin(), dirty.end());
  constexpr std::size_t kMaxRects = 64;  // beyond this, one bounding box is cheaper to describe
  if (top_off_area_.size() > kMaxRects) {
    Rect box = top_off_area_.front();
    for (const Rect& r : top_off_area_) {
      const int right = std::max(box.x + box.width, r.x + r.width);
      const int bottom = std::max(box.y + box.height, r.y + r.height);
      box.x = std::min(box.x, r.x);
      box.y = std::min(box.y, r.y);
      box.width = right - box.x;
      box.height = bottom - box.y;
    }
    top_off_area_ = {box};
  }
}

// Small changes (typing) are refined where they happened, so the refinement costs little and does not
// delay the next change. After large motion (scroll, drag) the rectangles approach the whole screen, and
// one full refinement (empty = whole frame) also covers what the bounding boxes would miss.
std::vector<Rect> VideoStreamer::top_off_request_area(const BgraImage& image) {
  auto area = std::exchange(top_off_area_, {});
  long long pixels = 0;
  for (const Rect& r : area) pixels += static_cast<long long>(r.width) * r.height;
  if (pixels * 4 > static_cast<long long>(image.width) * image.height) return {};
  return area;
}

void VideoStreamer::run() {
  while (running_) {
    poll_cursor();
    if (!scheduler_.can_send()) {
      wait_for(std::max(scheduler_.wait_hint(), 5ms));
      continue;
    }
    const bool keyframe = scheduler_.take_keyframe_request();
    auto captured = capturer_->capture(keyframe ? 0ms : 30ms, keyframe);
    if (!captured) {
      if (captured.error().code == ErrorCode::unavailable) {
        if (callbacks_.on_fatal) callbacks_.on_fatal(captured.error());
        return;
      }
      log::warn("capture failed: {}", captured.error().detail);
      if (keyframe) scheduler_.request_keyframe();
      wait_for(100ms);
      continue;
    }
    if (!*captured) {
      if (last_image_ && !top_off_area_.empty() && scheduler_.should_top_off())
        encode_and_send(*last_image_, top_off_request_area(*last_image_), false, true, monotonic_us(), 0);
      continue;
    }
    const CapturedFrame& frame = **captured;
    last_image_ = frame.image;
    const bool force = keyframe || frame.size_changed;
    remember_for_top_off(force, frame.dirty);
    if (!encode_and_send(*frame.image, frame.dirty, force, false, frame.capture_time_us, frame.capture_us) && force)
      scheduler_.request_keyframe();
  }
}

}  // namespace elfdesk::host
