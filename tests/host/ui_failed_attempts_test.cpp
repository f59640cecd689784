// The customer is told about wrong codes: the terminal prints a sanitised warning line, and the
// consent window draws it (red) under the code, on a private Xvfb.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "host/ui/sdl_consent_window.hpp"
#include "host/ui/terminal_consent_ui.hpp"
#include "tests/host/ui_x11_helpers.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
using namespace std::chrono_literals;

namespace {

// Pixels of the warning colour (kEnd, 183/28/28) in a band of the window.
int red_pixels(const test::WindowPixels& px, int y0, int y1) {
  int n = 0;
  for (int y = y0; y < y1 && y < px.height; ++y)
    for (int x = 0; x < px.width; ++x)
      if (test::near(px.at(x, y), {183, 28, 28}, 50)) ++n;
  return n;
}

}  // namespace

TEST_CASE("terminal UI: wrong codes are shown to the customer, without terminal escapes") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::ostringstream out;
  {
    auto ui = make_terminal_consent_ui(fds[0], out);
    ui->show_failed_attempts("3 wrong codes tried from 198.51.100.7\x1b[2J");
    ::close(fds[1]);
  }
  ::close(fds[0]);
  CHECK(out.str().find("Warning: 3 wrong codes tried from 198.51.100.7") != std::string::npos);
  CHECK(out.str().find('\x1b') == std::string::npos);
}

TEST_CASE("consent window: wrong codes are shown under the code") {
  static test::XvfbServer server(1024, 768);
  setenv("DISPLAY", server.display().c_str(), 1);
  setenv("SDL_VIDEODRIVER", "x11", 1);
  auto created = SdlConsentWindow::create();
  REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().detail));
  auto& ui = **created;
  std::optional<test::WindowPixels> before, after;
  std::atomic<bool> done{false};
  std::thread driver([&] {
    ui.show_code("123-456-789-012", 300s);
    test::wait_until([&] { return (before = test::grab_window(server.display(), ui.x11_window())).has_value() &&
                                  before->width == 520; }, 5s);
    ui.show_failed_attempts("3 wrong codes tried from 198.51.100.7");
    test::wait_until([&] {
      return (after = test::grab_window(server.display(), ui.x11_window())) && red_pixels(*after, 210, 240) > 50;
    }, 5s);
    done = true;
    ui.quit();
  });
  std::thread watchdog([&] {
    test::wait_until([&] { return done.load(); }, 20s);
    ui.quit();
  });
  CHECK(ui.run() == 0);
  driver.join();
  watchdog.join();
  REQUIRE(before);
  REQUIRE(after);
  CHECK(red_pixels(*before, 210, 240) == 0);
  CHECK(red_pixels(*after, 210, 240) > 50);
}
