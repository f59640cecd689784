// When the capturer needs to ask the X server where the pointer is. XFixes reports cursor shape changes
// but not motion, and asking (XQueryPointer, a round trip) at every turn of the capture loop cost the
// host a round trip 33-60 times a second with nothing moving. XInput 2's raw motion events, selected on
// the root, arrive for any pointer device's motion (the customer's mouse and the engineer's XTest alike),
// so the pointer is asked for only after one of them, and otherwise at most every kFallback for what
// raw events miss (a program warping the pointer). Without XInput 2.0 it asks at every turn, as before.
// Capture thread; owns nothing on the server beyond its event selection.
#pragma once
#include <X11/Xlib.h>

#include <chrono>

namespace elfdesk::host {

class X11PointerWatch {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFallback{250};

  // Selects raw motion on `root` when the server has XInput 2.0 or later.
  void start(Display* display, Window root);
  // True when `event` was a raw motion event (the capturer need not look at it further).
  bool handle(const XEvent& event);
  // Whether the pointer may have moved since it was last asked at `now` (then it counts as asked).
  bool take_due(Clock::time_point now);

 private:
  int opcode_ = -1;  // XInput's major opcode; -1: not available
  bool moved_ = true;
  Clock::time_point asked_{};
};

}  // namespace elfdesk::host
