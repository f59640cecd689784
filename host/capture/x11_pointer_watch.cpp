#include "host/capture/x11_pointer_watch.hpp"

#include <X11/extensions/XInput2.h>

namespace elfdesk::host {

void X11PointerWatch::start(Display* display, Window root) {
  int opcode = 0, event = 0, error = 0;
  if (!XQueryExtension(display, "XInputExtension", &opcode, &event, &error)) return;
  int major = 2, minor = 0;
  if (XIQueryVersion(display, &major, &minor) != Success || major < 2) return;
  unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {};
  XISetMask(bits, XI_RawMotion);
  XIEventMask mask{XIAllMasterDevices, static_cast<int>(sizeof(bits)), bits};
  if (XISelectEvents(display, root, &mask, 1) != Success) return;
  opcode_ = opcode;
}

bool X11PointerWatch::handle(const XEvent& event) {
  if (opcode_ < 0 || event.type != GenericEvent || event.xcookie.extension != opcode_) return false;
  if (event.xcookie.evtype == XI_RawMotion) moved_ = unseen_ = true;
  return true;
}

std::optional<X11PointerWatch::Clock::time_point> X11PointerWatch::wake_at() const {
  if (opcode_ < 0) return std::max(asked_, woke_) + kPoll;
  if (!unseen_) return std::nullopt;
  return std::max(asked_, woke_) + kMotionSpacing;
}

bool X11PointerWatch::take_due(Clock::time_point now) {
  if (!moved_ && now - asked_ < (opcode_ >= 0 ? kFallback : kPoll)) return false;
  moved_ = unseen_ = false;
  asked_ = now;
  return true;
}

}  // namespace elfdesk::host
