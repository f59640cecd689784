// The desktop the host shares, chosen once from the options (as Chromium remoting's DesktopEnvironment):
// makes the capturer, input injector and clipboard of one platform, so the session never checks which it
// runs on. X11 today, the test pattern for --fake-screen; Wayland will be one more implementation. Making
// it opens nothing; each factory opens what it makes on the calling thread (the session's network thread),
// and the caller owns the result.
#pragma once
#include <expected>
#include <memory>
#include <string>

#include "common/image.hpp"
#include "host/capture/screen_capturer.hpp"
#include "host/core/host_options.hpp"
#include "host/input/shared_clipboard.hpp"
#include "host/input/input_injector.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

class DesktopEnvironment {
 public:
  virtual ~DesktopEnvironment() = default;
  // What is shared, for people and the audit log: the X display (":1"), "test pattern".
  virtual std::string name() const = 0;
  virtual std::expected<std::unique_ptr<ScreenCapturer>, Error> make_capturer() const = 0;
  // Input into `screen_area` (what the capturer shares, in its coordinates). A null injector: this
  // desktop takes no input (the engineer's events are dropped and counted), which is not an error.
  virtual std::expected<std::unique_ptr<InputInjector>, Error> make_injector(Rect screen_area) const = 0;
  // A null clipboard: this desktop has none to share, which is not an error.
  virtual std::expected<std::unique_ptr<SharedClipboard>, Error> make_clipboard() const = 0;
  // Opens what would be shared, once, and closes it again: a wrong display or monitor fails at start,
  // before a code is shown, not after the customer said yes. Returns the area a session would share now
  // (its size is the first picture's).
  virtual std::expected<Rect, Error> check() const = 0;
  // True once the desktop went away for good (the X server closed): the host ends and exits.
  virtual bool lost() const = 0;
};

// The one place that looks at which desktop the options ask for. Fails (invalid_argument) when they name
// none: X11 without a display.
std::expected<std::shared_ptr<DesktopEnvironment>, Error> make_desktop_environment(const HostOptions& options);

// The implementations, one file each.
std::shared_ptr<DesktopEnvironment> make_x11_desktop_environment(std::string display, int monitor);
std::shared_ptr<DesktopEnvironment> make_test_pattern_desktop_environment(int width, int height);

}  // namespace elfdesk::host
