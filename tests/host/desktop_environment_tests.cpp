// The host desktop environment: the options choose the platform once, and each platform makes a capturer,
// an input injector and a clipboard (the test pattern: neither input nor clipboard) on a real Xvfb.
#include <doctest/doctest.h>

#include <chrono>

#include <optional>

#include "host/platform/desktop_environment.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

TEST_CASE("make_desktop_environment: --fake-screen shares the test pattern, without input or clipboard") {
  host::HostOptions options;
  options.fake_screen = true;
  options.display = ":99";  // ignored: the test pattern needs no display
  auto desktop = host::make_desktop_environment(options);
  REQUIRE(desktop.has_value());
  CHECK((*desktop)->name() == "test pattern");
  auto capturer = (*desktop)->make_capturer();
  REQUIRE(capturer.has_value());
  CHECK((*capturer)->width() == 1280);
  CHECK((*capturer)->height() == 720);
  auto frame = (*capturer)->capture(0ms, true);
  REQUIRE(frame.has_value());
  REQUIRE(frame->has_value());
  CHECK((*frame)->dirty == std::vector<Rect>{Rect{0, 0, 1280, 720}});
  auto injector = (*desktop)->make_injector(Rect{0, 0, 1280, 720});
  REQUIRE(injector.has_value());
  CHECK(*injector == nullptr);  // takes no input: not an error
  auto clipboard = (*desktop)->make_clipboard();
  REQUIRE(clipboard.has_value());
  CHECK(*clipboard == nullptr);
}

TEST_CASE("make_desktop_environment: without a display there is nothing to share") {
  auto desktop = host::make_desktop_environment(host::HostOptions{});
  REQUIRE_FALSE(desktop.has_value());
  CHECK(desktop.error().code == ErrorCode::invalid_argument);
  CHECK(desktop.error().detail.find("no X display") != std::string::npos);
}

TEST_CASE("make_desktop_environment: an X display gives its capturer, injector and clipboard") {
  test::XvfbServer x(320, 240);
  host::HostOptions options;
  options.display = x.display();
  auto desktop = host::make_desktop_environment(options);
  REQUIRE(desktop.has_value());
  CHECK((*desktop)->name() == x.display());
  auto capturer = (*desktop)->make_capturer();
  REQUIRE_MESSAGE(capturer.has_value(), (capturer ? "" : capturer.error().detail));
  CHECK((*capturer)->width() == 320);
  CHECK((*capturer)->height() == 240);
  auto injector = (*desktop)->make_injector(Rect{0, 0, 320, 240});
  REQUIRE_MESSAGE(injector.has_value(), (injector ? "" : injector.error().detail));
  CHECK(*injector != nullptr);
  auto clipboard = (*desktop)->make_clipboard();
  REQUIRE_MESSAGE(clipboard.has_value(), (clipboard ? "" : clipboard.error().detail));
  REQUIRE(*clipboard != nullptr);
  CHECK((*clipboard)->fd() >= 0);

  // A display that is not there: each part says so (unavailable), none of them throws.
  options.display = ":59999";
  auto gone = host::make_desktop_environment(options);
  REQUIRE(gone.has_value());  // choosing opens nothing
  auto no_capturer = (*gone)->make_capturer();
  REQUIRE_FALSE(no_capturer.has_value());
  CHECK(no_capturer.error().code == ErrorCode::unavailable);
  CHECK_FALSE((*gone)->make_injector(Rect{0, 0, 320, 240}).has_value());
  CHECK_FALSE((*gone)->make_clipboard().has_value());
}

TEST_CASE("DesktopEnvironment::check: a display or monitor that is not there fails before anything is shown") {
  test::XvfbServer x(320, 240);
  host::HostOptions options;
  options.display = x.display();
  auto desktop = host::make_desktop_environment(options);
  REQUIRE(desktop.has_value());
  CHECK((*desktop)->check() == Rect{0, 0, 320, 240});  // what a session would share: the first encoder's size
  options.monitor = 0;  // Xvfb's one RandR monitor
  CHECK(host::make_desktop_environment(options).value()->check() == Rect{0, 0, 320, 240});

  options.monitor = 7;
  auto no_monitor = host::make_desktop_environment(options).value()->check();
  REQUIRE_FALSE(no_monitor.has_value());
  CHECK(no_monitor.error().detail.find("monitor 7 not present") != std::string::npos);

  options.monitor = -1;
  options.display = ":59999";
  auto no_display = host::make_desktop_environment(options).value()->check();
  REQUIRE_FALSE(no_display.has_value());
  CHECK(no_display.error().code == ErrorCode::unavailable);
  CHECK(no_display.error().detail.find("cannot open X display ':59999'") != std::string::npos);

  options.fake_screen = true;
  const auto pattern = host::make_desktop_environment(options).value()->check();
  REQUIRE(pattern.has_value());
  CHECK((pattern->width > 0 && pattern->height > 0));
}

// Last in this file: once an X server of the process went away, the desktop stays lost (the host exits).
TEST_CASE("DesktopEnvironment: its X server going away is reported, never an exit of the process") {
  std::optional<test::XvfbServer> x(std::in_place, 320, 240);
  host::HostOptions options;
  options.display = x->display();
  auto desktop = host::make_desktop_environment(options).value();
  auto capturer = desktop->make_capturer();
  auto injector = desktop->make_injector(Rect{0, 0, 320, 240});
  auto clipboard = desktop->make_clipboard();
  REQUIRE((capturer && injector && clipboard));
  REQUIRE((*capturer)->capture(0ms, true).has_value());
  CHECK_FALSE(desktop->lost());

  x.reset();  // the customer logged out
  std::expected<std::optional<host::CapturedFrame>, Error> frame;
  for (int i = 0; i < 50 && frame.has_value(); ++i) frame = (*capturer)->capture(100ms, false);
  REQUIRE_FALSE(frame.has_value());
  CHECK(frame.error().code == ErrorCode::unavailable);
  CHECK(frame.error().detail == host::kDisplayClosedReason);
  CHECK_FALSE((*capturer)->cursor().has_value());
  auto clipboard_ok = (*clipboard)->process(10ms);
  for (int i = 0; i < 50 && clipboard_ok.has_value(); ++i) clipboard_ok = (*clipboard)->process(10ms);
  REQUIRE_FALSE(clipboard_ok.has_value());
  CHECK(clipboard_ok.error().code == ErrorCode::unavailable);
  CHECK_FALSE((*clipboard)->set_text("after").has_value());
  // Input into a display that is gone goes nowhere; Xlib must not end the process.
  (void)(*injector)->inject_pointer(protocol::PointerEvent{10, 10, 1, 0, 0});
  (void)(*injector)->release_all();
  CHECK(desktop->lost());
  injector->reset();
  clipboard->reset();
  capturer->reset();
}
