// Internal to the X11 capturer (includes Xlib): the screen's RandR 1.5 monitors as MonitorLayout wants
// them. Called on the video thread with the capturer's own Display.
#pragma once
#include <vector>

#include <X11/Xlib.h>

#include "host/capture/monitor_layout.hpp"

namespace elfdesk::host {

// The active monitors of `root`'s screen in RandR's order (what `xrandr --listactivemonitors` shows).
// Needs RandR 1.5; empty when the server has none.
std::vector<Monitor> query_x11_monitors(Display* display, Window root);

}  // namespace elfdesk::host
