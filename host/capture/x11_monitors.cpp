#include "host/capture/x11_monitors.hpp"

#include <X11/extensions/Xrandr.h>

#include <memory>

namespace elfdesk::host {

namespace {
struct MonitorsDeleter {
  void operator()(XRRMonitorInfo* m) const { XRRFreeMonitors(m); }
};
struct XFreeDeleter {
  void operator()(char* p) const { XFree(p); }
};
}  // namespace

std::vector<Monitor> query_x11_monitors(Display* display, Window root) {
  int count = 0;
  std::unique_ptr<XRRMonitorInfo, MonitorsDeleter> monitors(XRRGetMonitors(display, root, True, &count));
  std::vector<Monitor> out;
  for (int i = 0; monitors && i < count; ++i) {
    const XRRMonitorInfo& m = monitors.get()[i];
    Monitor monitor;
    if (m.name != None) {
      std::unique_ptr<char, XFreeDeleter> name(XGetAtomName(display, m.name));
      if (name) monitor.name = name.get();
    }
    monitor.area = Rect{m.x, m.y, m.width, m.height};
    monitor.primary = m.primary != 0;
    out.push_back(std::move(monitor));
  }
  return out;
}

}  // namespace elfdesk::host
