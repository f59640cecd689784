// When the X11 capturer grabs after damage: at once, or after a short settle. A keystroke in a terminal
// damages the screen twice within a millisecond or so: the glyph, then the cursor xterm draws after it.
// Grabbing at the first damage sends them as two updates (two frame headers, two TLS records, two acks,
// and the viewer paints twice). After small damage on a screen that was idle, the capturer waits kSettle
// before it grabs, so one update carries both. Motion (a grab less than kIdleGap ago: video, scrolling,
// drags) and large damage never wait, so only an idle screen's first small change pays the settle.
// Plain data on the capturer's thread, on the caller's clock.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/image.hpp"

namespace elfdesk::host {

class DamageSettle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::microseconds kSettle{1500};
  static constexpr std::chrono::milliseconds kIdleGap{50};  // 20 pictures/s and faster is motion
  static constexpr std::int64_t kSmallPixels = 256 * 64;    // a word or a few cells of text

  // How long to wait, at `now`, before grabbing `damage` (the damage taken so far).
  std::chrono::microseconds before_grab(TimePoint now, const std::vector<Rect>& damage) const {
    const bool idle = !last_grab_ || now - *last_grab_ >= kIdleGap;
    std::int64_t pixels = 0;
    for (const Rect& r : damage) pixels += static_cast<std::int64_t>(r.width) * r.height;
    return idle && pixels > 0 && pixels <= kSmallPixels ? kSettle : std::chrono::microseconds{0};
  }
  void grabbed(TimePoint now) { last_grab_ = now; }

 private:
  std::optional<TimePoint> last_grab_;
};

}  // namespace elfdesk::host
