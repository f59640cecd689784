// One video encoder made ahead of need, on its own thread. libvpx zeroes tens of megabytes when it makes
// a VP8 encoder (its token buffer: ~50 MB at 1080p, above glibc's mmap threshold, so every encoder faults
// fresh pages in: 120-140 ms on this project's VMs). Made on demand, that time sat between a session's
// first capture and its first picture on the wire. The host makes one for the shared screen's size once an
// engineer has proven the code, while the customer is asked and the session sets up its capture; the
// session's first encoder is that one when the size still matches.
#pragma once
#include <future>
#include <mutex>
#include <optional>

#include "host/encode/video_encoder.hpp"

namespace elfdesk::host {

class SpareEncoder {
 public:
  // `make`: how encoders are made (empty: VP8).
  explicit SpareEncoder(EncoderFactory make = {});
  ~SpareEncoder();  // waits for one still being made
  SpareEncoder(const SpareEncoder&) = delete;
  SpareEncoder& operator=(const SpareEncoder&) = delete;

  // Starts making an encoder with `settings` on its own thread, unless one is already made or being made.
  // Any thread.
  void prepare(const EncoderSettings& settings);
  // An EncoderFactory for the pipeline: the spare when it was prepared with these settings (any target
  // rate: the spare is set to the one asked), waiting for it if it is still being made; otherwise a new
  // encoder made now. The spare is given out once. Any thread; the SpareEncoder must outlive the factory.
  EncoderFactory factory();
  // The spare when it matches `settings`, else nothing (and the spare, if any, is kept).
  std::unique_ptr<VideoEncoder> take(const EncoderSettings& settings);
  // Frees a spare nobody took (a declined session, a screen of another size), waiting for it if it is
  // still being made. Any thread.
  void drop();

 private:
  using Made = std::expected<std::unique_ptr<VideoEncoder>, Error>;
  EncoderFactory make_;
  std::mutex mutex_;
  std::optional<EncoderSettings> prepared_;  // what the spare was asked with, while there is one
  std::future<Made> spare_;
};

}  // namespace elfdesk::host
