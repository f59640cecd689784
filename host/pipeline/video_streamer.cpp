#include "host/pipeline/video_streamer.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "host/pipeline/frame_planner.hpp"

namespace elfdesk::host {

using namespace std::chrono_literals;

namespace {

// The longest a turn waits for the screen to change when nothing falls due sooner. What needs the loop
// meanwhile ends the wait: damage, the pointer (the capturer knows when it is due), a keyframe request,
// a stop. So this bounds only what is polled: the path report's time and a pacing change between frames.
// (A cap of 30 ms woke an idle loop 33 times a second: most of what a still desktop cost the host.)
constexpr std::chrono::milliseconds kLongestWait{250};

}  // namespace

VideoStreamer::VideoStreamer(std::unique_ptr<ScreenCapturer> capturer, StreamerCallbacks callbacks,
                             SchedulerConfig config, StreamerParts parts)
    : clock_(parts.clock ? *parts.clock : steady_),
      capturer_(std::move(capturer)),
      callbacks_(std::move(callbacks)),
      scheduler_(clock_, config),
      sender_(clock_, scheduler_, std::move(parts.make_encoder), callbacks_, config.top_off_delay) {}

VideoStreamer::~VideoStreamer() { stop(); }

void VideoStreamer::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void VideoStreamer::stop() {
  running_ = false;
  wake();
  if (thread_.joinable()) thread_.join();
}

// Only a loop that waits for the window to open needs the ack: one held back by the frame-rate cap
// wakes on its own time (waking it for every ack of a typed glyph was a turn of the loop for nothing).
void VideoStreamer::on_ack(const protocol::FrameAck& ack) {
  if (scheduler_.on_ack(ack) && waiting_for_ack_) wake_.notify_all();
}

void VideoStreamer::request_keyframe() {
  scheduler_.request_keyframe();
  wake();
}

void VideoStreamer::restart() {
  scheduler_.restart();
  pacing_again_ = true;
  wake();
}

void VideoStreamer::select_monitor(int index) {
  {
    std::lock_guard lock(select_mutex_);
    pending_select_ = index;
  }
  wake();
}

void VideoStreamer::report_layout(StreamerCallbacks::LayoutCause cause, bool accepted) {
  reported_generation_ = capturer_->layout_generation();
  if (callbacks_.on_layout) callbacks_.on_layout(capturer_->layout(), cause, accepted);
}

// A new area: the capturer's picture is replaced, so nothing may be refined from the old one; the next
// capture is a full frame (a keyframe when the area moved or resized).
void VideoStreamer::apply_selection() {
  std::optional<int> index;
  {
    std::lock_guard lock(select_mutex_);
    index = std::exchange(pending_select_, std::nullopt);
  }
  if (!index) return;
  const auto before = capturer_->layout_generation();
  const bool accepted = capturer_->select_monitor(*index);
  if (capturer_->layout_generation() != before) last_image_ = nullptr;
  report_layout(StreamerCallbacks::LayoutCause::selected, accepted);
}

// Ends the loop's wait, whether it waits on the scheduler (the condition) or on the screen (the capturer).
void VideoStreamer::wake() {
  wake_.notify_all();
  capturer_->wake();
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

// While streaming only: before the first frame there is nothing to estimate.
void VideoStreamer::report_path() {
  if (!callbacks_.send_path_report || sender_.frames_sent() == 0) return;
  if (auto report = path_reporter_.due(clock_.now(), path_report_of(scheduler_), sender_.bytes_sent()))
    callbacks_.send_path_report(*report);
}

// A change of a twentieth or more (or to or from none) goes to the socket; the rest is noise.
void VideoStreamer::update_pacing() {
  if (!callbacks_.set_pacing_rate) return;
  const std::uint64_t rate = scheduler_.pacing_rate_bps();
  const bool again = pacing_again_.exchange(false);
  const std::uint64_t step = pacing_bps_ / 20;
  if (!again && (rate == 0) == (pacing_bps_ == 0) && rate + step >= pacing_bps_ && rate <= pacing_bps_ + step) return;
  pacing_bps_ = rate;
  callbacks_.set_pacing_rate(rate);
}

VideoStreamer::Turn VideoStreamer::step() {
  if (!reported_generation_) report_layout(StreamerCallbacks::LayoutCause::started, true);
  apply_selection();
  poll_cursor();
  report_path();
  update_pacing();
  if (!scheduler_.can_send()) {
    waiting_for_ack_ = !scheduler_.window_open();  // only the loop's thread sends: it stays closed till an ack
    const auto overtake_after = last_image_ && sender_.exact_pixels() ? scheduler_.overtake_after() : std::nullopt;
    if (!overtake_after) return Turn{false, std::max(scheduler_.wait_hint(), 5ms)};
    if (*overtake_after > 0us) return Turn{false, std::chrono::ceil<std::chrono::milliseconds>(*overtake_after)};
    return overtake();
  }
  const bool keyframe = scheduler_.take_keyframe_request();
  scheduler_.start_turn();
  // Before new damage: while something keeps changing, areas that stopped must still get their turn.
  if (!keyframe && last_image_ && sender_.top_off(*last_image_)) return {};
  const auto wait = keyframe ? 0ms : std::clamp(sender_.time_to_due(), 1ms, kLongestWait);
  auto captured = capturer_->capture(wait, keyframe);
  if (!captured) {
    if (keyframe) scheduler_.request_keyframe();
    return capture_failed(captured.error());
  }
  if (capturer_->layout_generation() != *reported_generation_)
    report_layout(StreamerCallbacks::LayoutCause::screen_changed, true);
  if (!*captured) {
    if (!keyframe && last_image_) sender_.lossless_pass(*last_image_);  // nothing changed: make it exact
    return {};
  }
  scheduler_.start_turn();  // the capture may have waited for damage: the frame's work starts now
  update_pacing();          // acks that came during the wait may have moved it
  const CapturedFrame& frame = **captured;
  last_image_ = frame.image;
  sender_.send(frame, plan_frame(frame, keyframe, sender_.exact_pixels()));
  return {};
}

VideoStreamer::Turn VideoStreamer::capture_failed(const Error& error) {
  if (error.code == ErrorCode::unavailable) {
    if (callbacks_.on_fatal) callbacks_.on_fatal(error);
    return Turn{true, 0ms};
  }
  log::warn("capture failed: {}", error.detail);
  return Turn{false, 100ms};
}

// While the frame-rate cap holds the next turn back, the loop waits on the screen instead of sleeping:
// small changes apart from the rest go as they come, as exact pixels (the planner's pieces ahead of VP8),
// and what else changed waits for the turn the cap allows. The loop is idle here, so nothing is delayed.
VideoStreamer::Turn VideoStreamer::overtake() {
  auto captured = capturer_->capture_apart(scheduler_.wait_hint());
  if (!captured) return capture_failed(captured.error());
  // Nothing apart came in time (or a full frame is due): on to the turn the cap allows.
  if (!*captured) return Turn{false, scheduler_.wait_hint()};
  scheduler_.start_turn(FrameScheduler::TurnKind::overtaking);
  const CapturedFrame& frame = **captured;
  last_image_ = frame.image;
  sender_.send(frame, plan_frame(frame, false, true));
  return {};
}

void VideoStreamer::run() {
  while (running_) {
    const Turn turn = step();
    if (turn.finished) return;
    if (turn.wait > 0ms) wait_for(turn.wait);
  }
}

}  // namespace elfdesk::host
