// When the capturer needs to ask the X server where the pointer is. XFixes reports cursor shape changes
// but not motion, and asking (XQueryPointer, a round trip) at every turn of the capture loop cost the
// host a round trip 33-60 times a second with nothing moving. XInput 2's raw motion events, selected on
// the root, arrive for any pointer device's motion (the customer's mouse and the engineer's XTest alike),
// so the pointer is asked for only after one of them, and otherwise at most every kFallback for what
// raw events miss (a program warping the pointer). Motion also ends the capture loop's wait for damage,
// so the new position goes out at once, not at the loop's next turn; at most every kMotionSpacing (a
// mouse reports up to 1000 times a second; the viewer shows about 60 pictures a second). Without
// XInput 2.0 the pointer is asked for, and waits end, every kPoll.
// Capture thread; owns nothing on the server beyond its event selection.
#pragma once
#include <X11/Xlib.h>

#include <chrono>
#include <optional>

namespace elfdesk::host {

class X11PointerWatch {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFallback{250};
  static constexpr std::chrono::milliseconds kMotionSpacing{16};
  static constexpr std::chrono::milliseconds kPoll{30};

  // Selects raw motion on `root` when the server has XInput 2.0 or later.
  void start(Display* display, Window root);
  // True when `event` was a raw motion event (the capturer need not look at it further).
  bool handle(const XEvent& event);
  // When a wait for damage should end for the pointer: soon after motion; never without it.
  std::optional<Clock::time_point> wake_at() const;
  // A wait ended at wake_at(): the next ends for later motion only, kMotionSpacing later at the soonest.
  void woke(Clock::time_point now) {
    woke_ = now;
    unseen_ = false;
  }
  // Whether the pointer should be asked for at `now` (then it counts as asked).
  bool take_due(Clock::time_point now);

 private:
  int opcode_ = -1;  // XInput's major opcode; -1: not available
  bool moved_ = true;    // since the pointer was last asked for
  bool unseen_ = false;  // moved since it was last asked for or a wait last ended for it
  Clock::time_point asked_{};
  Clock::time_point woke_{};
};

}  // namespace elfdesk::host
