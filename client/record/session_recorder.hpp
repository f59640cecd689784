// Records what the engineer saw into a WebM file (`elfdesk view --record FILE.webm`): the composed remote
// picture with the remote cursor drawn in, at the rate pictures were shown, at most kMaxFps. The main
// thread offers pictures (a copy is taken only when one is due; the newest waits while the encoder is
// busy, older ones are dropped); a thread of its own draws the cursor, encodes VP8 (the host's encoder)
// and muxes. Created and finished on the main thread.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/image.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

struct RecordingSummary {
  std::string path;
  std::uint64_t frames = 0;
  double seconds = 0;
  int width = 0;  // the recording's size: the remote screen's when the first picture came
  int height = 0;
};

class SessionRecorder {
 public:
  static constexpr int kMaxFps = 15;
  static constexpr int kKeyframeEvery = 2 * kMaxFps;  // a keyframe every ~2 s shown, so players can seek

  // Creates the file now (so a path that cannot be written fails before the session starts).
  static std::expected<std::unique_ptr<SessionRecorder>, Error> start(std::string path);
  ~SessionRecorder();  // finish()
  SessionRecorder(const SessionRecorder&) = delete;
  SessionRecorder& operator=(const SessionRecorder&) = delete;

  // Main thread. True when a picture offered now would be recorded (>= 1/kMaxFps since the last one).
  bool due(std::uint64_t now_us) const;
  // Main thread. Takes a copy of `picture` with the cursor (shape may be null: none drawn) if due.
  void offer(const BgraImage& picture, const protocol::CursorShape* cursor, const protocol::CursorPosition& at,
             std::uint64_t now_us);
  // Main thread. Repeats the last picture at `now_us` (so the file lasts as long as the session), drains
  // the queue, closes the file. Idempotent; the first error met while recording, if any. When no picture
  // was recorded the file is removed (summary: 0 frames), so no empty WebM is left behind.
  std::expected<RecordingSummary, Error> finish(std::uint64_t now_us);

 private:
  struct Frame {
    BgraImage picture;
    std::uint64_t at_us = 0;
    bool last = false;  // the closing copy: a keyframe, so rate control cannot drop it
  };
  explicit SessionRecorder(std::string path);
  void run();
  std::expected<void, Error> write(Frame& frame);

  const std::string path_;
  std::uint64_t last_offer_us_ = 0;
  std::uint64_t first_us_ = 0;
  bool offered_any_ = false;
  BgraImage last_;  // main thread: the last picture offered, for the final frame

  std::mutex mutex_;
  std::condition_variable wake_;
  // Pictures the encoder thread has not taken yet: at most two while recording (the older one is the
  // next to encode, the newer one is replaced by newer pictures), plus the closing copy at finish().
  std::deque<Frame> pending_;
  bool stopping_ = false;
  std::optional<Error> error_;

  // Encoder thread only.
  struct Encoder;
  std::unique_ptr<Encoder> encoder_;
  std::uint64_t written_ = 0;
  std::uint64_t last_pts_ms_ = 0;
  RecordingSummary summary_;
  std::thread thread_;
  bool finished_ = false;
};

// Draws a non-premultiplied RGBA cursor onto a BGRA picture with its hot spot at `at` (clipped). Pure.
void draw_cursor(BgraImage& picture, const protocol::CursorShape& cursor, const protocol::CursorPosition& at);

}  // namespace elfdesk::client
