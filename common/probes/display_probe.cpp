// `display`: X screen size and the monitors XRandR reports (name, geometry, refresh, primary).
#include <X11/Xlib.h>
#include <X11/extensions/Xrandr.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

struct DisplayCloser {
  void operator()(Display* d) const { XCloseDisplay(d); }
};
struct ResourcesFree {
  void operator()(XRRScreenResources* r) const { XRRFreeScreenResources(r); }
};
struct OutputFree {
  void operator()(XRROutputInfo* o) const { XRRFreeOutputInfo(o); }
};
struct CrtcFree {
  void operator()(XRRCrtcInfo* c) const { XRRFreeCrtcInfo(c); }
};

// Xlib's default error handler exits the process. While we query, errors on OUR connection are
// ignored (a monitor unplugged mid-query); errors on other connections go to the previous handler.
std::mutex g_handler_mutex;
std::atomic<Display*> g_probe_display{nullptr};
XErrorHandler g_previous = nullptr;
int chained_handler(Display* d, XErrorEvent* e) {
  if (d == g_probe_display.load()) return 0;
  return g_previous ? g_previous(d, e) : 0;
}

double refresh_hz(const XRRScreenResources& res, RRMode mode) {
  for (int i = 0; i < res.nmode; ++i) {
    const XRRModeInfo& m = res.modes[i];
    if (m.id == mode && m.hTotal && m.vTotal) {
      return util::round_to(static_cast<double>(m.dotClock) / (static_cast<double>(m.hTotal) * m.vTotal), 2);
    }
  }
  return 0;
}

nlohmann::json monitors_json(Display* d) {
  nlohmann::json out = nlohmann::json::array();
  int event_base = 0, error_base = 0;
  if (!XRRQueryExtension(d, &event_base, &error_base)) return nullptr;
  Window root = DefaultRootWindow(d);
  std::unique_ptr<XRRScreenResources, ResourcesFree> res(XRRGetScreenResourcesCurrent(d, root));
  if (!res) return nullptr;
  RROutput primary = XRRGetOutputPrimary(d, root);
  for (int i = 0; i < res->noutput; ++i) {
    std::unique_ptr<XRROutputInfo, OutputFree> info(XRRGetOutputInfo(d, res.get(), res->outputs[i]));
    if (!info || info->connection != RR_Connected || !info->crtc) continue;
    std::unique_ptr<XRRCrtcInfo, CrtcFree> crtc(XRRGetCrtcInfo(d, res.get(), info->crtc));
    if (!crtc) continue;
    out.push_back({{"name", std::string(info->name, static_cast<std::size_t>(info->nameLen))},
                   {"x", crtc->x}, {"y", crtc->y}, {"width", crtc->width}, {"height", crtc->height},
                   {"refresh_hz", refresh_hz(*res, crtc->mode)},
                   {"primary", res->outputs[i] == primary},
                   {"physical_width_mm", info->mm_width}, {"physical_height_mm", info->mm_height}});
  }
  return out;
}

std::expected<ProbeOutput, Error> run_display(const ProbeContext& ctx, const ProbeArgs&) {
  ProbeOutput out;
  const char* env = std::getenv("DISPLAY");
  std::string name = !ctx.display.empty() ? ctx.display : env ? env : "";
  out.data["display"] = name;
  if (name.empty()) {
    out.add("display", Severity::unknown, "no X display: DISPLAY is not set and none was given");
    return out;
  }
  std::lock_guard lock(g_handler_mutex);
  std::unique_ptr<Display, DisplayCloser> d(XOpenDisplay(name.c_str()));
  if (!d) {
    out.add("display", Severity::unknown, "cannot open X display " + name);
    return out;
  }
  g_probe_display = d.get();
  g_previous = XSetErrorHandler(chained_handler);
  int screen = DefaultScreen(d.get());
  out.data["screen"] = {{"number", screen}, {"width", DisplayWidth(d.get(), screen)},
                        {"height", DisplayHeight(d.get(), screen)}, {"depth", DefaultDepth(d.get(), screen)},
                        {"count", ScreenCount(d.get())}, {"vendor", ServerVendor(d.get())},
                        {"vendor_release", VendorRelease(d.get())}};
  out.data["monitors"] = monitors_json(d.get());
  XSync(d.get(), False);
  XSetErrorHandler(g_previous);
  g_probe_display = nullptr;
  const auto& monitors = out.data["monitors"];
  if (monitors.is_null()) {
    out.add("monitors", Severity::unknown, "the X server on " + name + " has no RandR extension");
  } else if (monitors.empty()) {
    out.add("monitors", Severity::warning, "no connected monitor reported by RandR on " + name);
  } else {
    out.add("monitors", Severity::ok,
            fmt::format("{}: screen {}x{}, {} monitor(s)", name, out.data["screen"]["width"].get<int>(),
                        out.data["screen"]["height"].get<int>(), monitors.size()),
            monitors.size());
  }
  return out;
}

}  // namespace

ProbeInfo display_probe_info() {
  return {"display", "X screen size and monitors (XRandR) with geometry and refresh rate", {}, run_display,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
