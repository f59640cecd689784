#include "host/platform/desktop_environment.hpp"

namespace elfdesk::host {

std::expected<std::shared_ptr<DesktopEnvironment>, Error> make_desktop_environment(const HostOptions& options) {
  if (options.fake_screen) return make_test_pattern_desktop_environment(1280, 720);
  if (options.display.empty())
    return std::unexpected(
        make_error(ErrorCode::invalid_argument, "no X display to share: set DISPLAY or use --display :N"));
  return make_x11_desktop_environment(options.display, options.monitor);
}

}  // namespace elfdesk::host
