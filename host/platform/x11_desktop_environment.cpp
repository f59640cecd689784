// The X11 desktop: XShm + XDamage capture, XTest input and the CLIPBOARD selection, each on its own
// connection to the same display (so none of them shares a Display* across threads).
#include <utility>

#include "host/input/x11_clipboard.hpp"
#include "host/platform/desktop_environment.hpp"
#include "host/platform/x11_connection_loss.hpp"

namespace elfdesk::host {

namespace {

class X11DesktopEnvironment final : public DesktopEnvironment {
 public:
  X11DesktopEnvironment(std::string display, int monitor) : display_(std::move(display)), monitor_(monitor) {}
  std::string name() const override { return display_; }
  std::expected<std::unique_ptr<ScreenCapturer>, Error> make_capturer() const override {
    return make_x11_capturer(X11CaptureOptions{display_, monitor_});
  }
  std::expected<std::unique_ptr<InputInjector>, Error> make_injector(Rect screen_area) const override {
    return make_xtest_injector(display_, screen_area);
  }
  std::expected<std::unique_ptr<SharedClipboard>, Error> make_clipboard() const override {
    auto clipboard = X11Clipboard::open(display_);
    if (!clipboard) return std::unexpected(clipboard.error());
    return std::unique_ptr<SharedClipboard>(std::move(*clipboard));
  }
  // The capturer opens the display and finds the monitor (XRandR) exactly as a session will.
  std::expected<Rect, Error> check() const override {
    auto capturer = make_capturer();
    if (!capturer)
      return std::unexpected(make_error(capturer.error().code, "cannot share display " + display_ + ": " + capturer.error().detail));
    return (*capturer)->layout().area;
  }
  bool lost() const override { return x11_display_closed(); }

 private:
  std::string display_;
  int monitor_;
};

}  // namespace

std::shared_ptr<DesktopEnvironment> make_x11_desktop_environment(std::string display, int monitor) {
  return std::make_shared<X11DesktopEnvironment>(std::move(display), monitor);
}

}  // namespace elfdesk::host
