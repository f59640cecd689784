#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <thread>

#include "host/ui/sdl_consent_window.hpp"
#include "tests/host/ui_x11_helpers.hpp"
#include "tests/support/xvfb.hpp"
#include "protocol/messages.hpp"

using namespace elfdesk;
using namespace elfdesk::host;
namespace perm = elfdesk::protocol::permission;
using namespace std::chrono_literals;

namespace {

const std::string& shared_display() {
  static test::XvfbServer server(1024, 768);  // one private X server for this test binary
  return server.display();
}

// Owns a consent window on this (main) thread; run_with() runs `script` on a driver thread while the
// UI loop runs here, then quits the loop (a watchdog quits it after 20 s if the script hangs).
struct ConsentFixture {
  std::string display = shared_display();
  std::unique_ptr<SdlConsentWindow> ui;

  ConsentFixture() {
    setenv("DISPLAY", display.c_str(), 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
    auto created = SdlConsentWindow::create();
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().detail));
    ui = std::move(*created);
    REQUIRE(ui->x11_window() != 0);
  }

  void run_with(const std::function<void()>& script) {
    std::atomic<bool> done{false};
    std::thread driver([&] {
      script();
      done = true;
      ui->quit();
    });
    std::thread watchdog([&] {
      test::wait_until([&] { return done.load(); }, 20s);
      ui->quit();
    });
    CHECK(ui->run() == 0);
    driver.join();
    watchdog.join();
  }

  void click(const std::string& button) const {
    const Rect r = SdlConsentWindow::button_rect(button);
    const std::string cmd = "xdotool mousemove --window " + std::to_string(ui->x11_window()) + " " +
                            std::to_string(r.x + r.width / 2) + " " + std::to_string(r.y + r.height / 2) +
                            " click 1";
    CHECK(test::run_on_display(display, cmd) == 0);
  }

  void keys(const std::string& names) const {
    const std::string cmd =
        "xdotool windowfocus --sync " + std::to_string(ui->x11_window()) + " key --delay 40 " + names;
    CHECK(test::run_on_display(display, cmd) == 0);
  }

  std::optional<test::WindowPixels> pixels() const { return test::grab_window(display, ui->x11_window()); }
};

// Pixels of rows [y0, y1) near `colour`.
int pixels_near(const test::WindowPixels& px, int y0, int y1, test::Rgb colour, int tolerance) {
  int n = 0;
  for (int y = y0; y < y1 && y < px.height; ++y)
    for (int x = 0; x < px.width; ++x)
      if (test::near(px.at(x, y), colour, tolerance)) ++n;
  return n;
}
// Dark (text) pixels inside a band of the window.
int dark_pixels(const test::WindowPixels& px, int y0, int y1) { return pixels_near(px, y0, y1, {28, 28, 28}, 60); }
// The muted grey of the notes under the code ("Last session: ...", and the line under it).
int muted_pixels(const test::WindowPixels& px, int y0, int y1) { return pixels_near(px, y0, y1, {100, 100, 100}, 50); }

template <class T>
std::optional<T> get_within(std::future<T>& f, std::chrono::milliseconds limit) {
  if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return f.get();
}

}  // namespace

TEST_CASE("consent window: titled window shows the code, and different codes render differently") {
  ConsentFixture f;
  const std::string found = test::command_output(f.display, "xdotool search --name 'elfdesk'");
  CHECK(found.find(std::to_string(f.ui->x11_window())) != std::string::npos);
  const std::string title = test::command_output(
      f.display, "xdotool getwindowname " + std::to_string(f.ui->x11_window()));
  CHECK(title == "elfdesk \u2014 remote support\n");

  std::optional<test::WindowPixels> first, second;
  f.run_with([&] {
    f.ui->show_code("123-456-789", 300s);
    test::wait_until([&] { return (first = f.pixels()) && dark_pixels(*first, 100, 170) > 300; }, 5s);
    f.ui->show_code("987-654-320", 300s);
    test::wait_until([&] { return (second = f.pixels()) && second->pixels != first->pixels; }, 5s);
  });
  if (const char* dir = std::getenv("ELFDESK_UI_SCREENSHOT_DIR"); dir != nullptr && second)
    test::save_ppm(*second, std::string(dir) + "/consent_code.ppm");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->width == 520);
  CHECK(dark_pixels(*first, 100, 170) > 300);  // the large code is drawn
  int differing = 0;
  for (int y = 100; y < 170; ++y)
    for (int x = 0; x < first->width; ++x)
      if (!test::near(first->at(x, y), second->at(x, y), 20)) ++differing;
  CHECK(differing > 200);
}

TEST_CASE("consent window: clicking Allow answers allow, once, on the UI thread") {
  ConsentFixture f;
  std::promise<std::thread::id> allowed;
  std::atomic<int> calls{0};
  std::atomic<bool> was_allow{false};
  const auto ui_thread = std::this_thread::get_id();
  f.run_with([&] {
    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl}, [&](ConsentAnswer a) {
      was_allow = a == ConsentAnswer::allow;
      if (calls++ == 0) allowed.set_value(std::this_thread::get_id());
    });
    std::this_thread::sleep_for(SdlConsentWindow::kArmDelay + 200ms);
    if (const char* dir = std::getenv("ELFDESK_UI_SCREENSHOT_DIR"); dir != nullptr)
      if (auto px = f.pixels()) test::save_ppm(*px, std::string(dir) + "/consent_question.ppm");
    f.click("allow");
    auto fut = allowed.get_future();
    const auto thread = get_within(fut, 5s);
    CHECK(thread.has_value());
    CHECK(thread == std::optional(ui_thread));
    f.click("allow");  // the question is gone: a second click must not answer again
    std::this_thread::sleep_for(300ms);
  });
  CHECK(calls == 1);
  CHECK(was_allow);
}

TEST_CASE("consent window: a question with every permission shows each line apart from the note and the buttons") {
  ConsentFixture f;
  f.run_with([&] {
    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kAll}, [](ConsentAnswer) {});
    std::optional<test::WindowPixels> px;
    const Rect deny = SdlConsentWindow::button_rect("deny");
    // Between "wants to" and the note above the buttons: eight separate lines of text (diagnostics takes two),
    // the last one ending clear of the note.
    const int note_top = deny.y - 22;
    const auto drawn = [&] {  // the question's background, and text in the permissions' band
      return (px = f.pixels()) && test::near(px->at(10, 130), {246, 246, 246}, 4) && dark_pixels(*px, 138, note_top) > 400;
    };
    CHECK(test::wait_until(drawn, 5s));
    REQUIRE(px);
    if (const char* dir = std::getenv("ELFDESK_UI_SCREENSHOT_DIR"); dir != nullptr)
      test::save_ppm(*px, std::string(dir) + "/consent_every_permission.ppm");
    int lines = 0, last_text = 0;
    bool in_line = false;
    const auto text_in_row = [&](int y) {  // inside the margins: the window's edges are not text
      for (int x = 20; x < px->width - 20; ++x)
        if (test::near(px->at(x, y), {28, 28, 28}, 60)) return true;
      return false;
    };
    for (int y = 138; y < note_top; ++y) {
      const bool text = text_in_row(y);
      if (text && !in_line) ++lines;
      if (text) last_text = y;
      in_line = text;
    }
    CHECK(lines >= 8);
    CHECK(last_text < note_top - 4);
    f.ui->cancel_question();
  });
}

TEST_CASE("consent window: clicking Deny answers deny") {
  ConsentFixture f;
  std::promise<ConsentAnswer> answer;
  f.run_with([&] {
    f.ui->ask({"Bob", "198.51.100.2:4000", perm::kView}, [&](ConsentAnswer a) { answer.set_value(a); });
    std::this_thread::sleep_for(200ms);  // Deny needs no arming
    f.click("deny");
    auto fut = answer.get_future();
    CHECK(get_within(fut, 5s) == std::optional(ConsentAnswer::deny));
  });
}

TEST_CASE("consent window: Allow is inert right after the question appears") {
  ConsentFixture f;
  std::promise<ConsentAnswer> answer;
  auto fut = answer.get_future();
  bool early_click_in_time = false;
  f.run_with([&] {
    f.ui->ask({"Eve", "192.0.2.9:1", perm::kView | perm::kControl}, [&](ConsentAnswer a) { answer.set_value(a); });
    const auto asked = std::chrono::steady_clock::now();
    f.click("allow");
    early_click_in_time = std::chrono::steady_clock::now() - asked < SdlConsentWindow::kArmDelay - 100ms;
    std::this_thread::sleep_for(SdlConsentWindow::kArmDelay);
    f.click("deny");
    (void)fut.wait_for(5s);
  });
  REQUIRE(fut.wait_for(0s) == std::future_status::ready);
  if (early_click_in_time) CHECK(fut.get() == ConsentAnswer::deny);  // the early Allow click was ignored
  else MESSAGE("machine too slow to click within the arming delay; not checked");
}

TEST_CASE("consent window: Enter alone never allows, Escape denies, Tab Tab Enter allows") {
  ConsentFixture f;
  std::promise<ConsentAnswer> first, second;
  f.run_with([&] {
    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl}, [&](ConsentAnswer a) { first.set_value(a); });
    std::this_thread::sleep_for(SdlConsentWindow::kArmDelay + 100ms);
    f.keys("Return KP_Enter space Escape");
    auto one = first.get_future();
    CHECK(get_within(one, 5s) == std::optional(ConsentAnswer::deny));

    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl}, [&](ConsentAnswer a) { second.set_value(a); });
    std::this_thread::sleep_for(SdlConsentWindow::kArmDelay + 100ms);
    f.keys("Tab Tab Return");  // focus: none -> Deny -> Allow
    auto two = second.get_future();
    CHECK(get_within(two, 5s) == std::optional(ConsentAnswer::allow));
  });
}

TEST_CASE("consent window: End session button invokes the callback; a cancelled question is not answered") {
  ConsentFixture f;
  std::promise<void> ended;
  std::atomic<int> answers{0};
  f.ui->set_on_end_session([&] { ended.set_value(); });
  f.run_with([&] {
    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl}, [&](ConsentAnswer) { ++answers; });
    std::this_thread::sleep_for(SdlConsentWindow::kArmDelay + 100ms);
    f.ui->cancel_question();
    f.ui->show_session({"Alice", "203.0.113.7:5000", 3});
    std::optional<test::WindowPixels> px;
    // The session bar appears: orange, at the window's top left.
    CHECK(test::wait_until([&] { return (px = f.pixels()) && test::near(px->at(5, 20), {198, 76, 0}, 8); }, 5s));
    f.click("allow");  // where Allow was: nothing there now
    f.click("end_session");
    auto fut = ended.get_future();
    CHECK(fut.wait_for(5s) == std::future_status::ready);
  });
  CHECK(answers == 0);
}

TEST_CASE("consent window: Close on the code screen asks to quit, once; a session has no Close") {
  ConsentFixture f;
  std::atomic<int> quits{0};
  f.ui->set_on_quit([&] { ++quits; });
  f.run_with([&] {
    std::optional<test::WindowPixels> px;
    f.ui->show_code("123-456-789", 300s);  // as the host does: a code, then a session
    CHECK(test::wait_until([&] { return (px = f.pixels()) && dark_pixels(*px, 100, 170) > 300; }, 5s));
    f.ui->show_session({"Alice", "203.0.113.7:5000", 3});
    CHECK(test::wait_until([&] { return (px = f.pixels()) && test::near(px->at(5, 20), {198, 76, 0}, 8); }, 5s));
    f.click("close");  // the bar is 44 pixels high: the click lands outside the window, on the root
    std::this_thread::sleep_for(300ms);
    CHECK(quits == 0);
    f.ui->show_code("123-456-789", 300s);
    const Rect close = SdlConsentWindow::button_rect("close");
    // The code screen is back at full size, with a grey Close button at the bottom.
    CHECK(test::wait_until([&] {
      return (px = f.pixels()) && px->height == 400 &&
             test::near(px->at(close.x + 4, close.y + 4), {90, 90, 90}, 30);
    }, 5s));
    f.click("close");
    CHECK(test::wait_until([&] { return quits.load() == 1; }, 5s));
  });
  CHECK(quits == 1);
}

TEST_CASE("consent window: the code that follows a session says how that session ended, until the next one") {
  ConsentFixture f;
  std::optional<test::WindowPixels> fresh, after, next;
  const auto note = [](const test::WindowPixels& px) { return muted_pixels(px, 212, 236); };  // under the countdown
  f.run_with([&] {
    f.ui->show_code("123-456-789", 300s);
    test::wait_until([&] { return (fresh = f.pixels()) && dark_pixels(*fresh, 100, 170) > 300; }, 5s);
    f.ui->show_session({"Alice", "203.0.113.7:5000", 3});
    f.ui->show_ended("ended by the engineer");
    f.ui->show_code("987-654-321", 300s);
    test::wait_until([&] { return (after = f.pixels()) && after->height == 400 && note(*after) > 40; }, 5s);
    f.ui->show_session({"Bob", "203.0.113.8:5000", 3});
    f.ui->show_code("555-444-333", 300s);  // a session that vanished without show_ended: no old reason
    // The third code replaces the second with no size change in between: wait for the note to go.
    test::wait_until([&] { return (next = f.pixels()) && next->height == 400 && note(*next) < 10; }, 5s);
  });
  REQUIRE(fresh);
  REQUIRE(after);
  REQUIRE(next);
  CHECK(note(*fresh) < 10);
  CHECK(note(*after) > 40);
  CHECK(note(*next) < 10);
  CHECK(dark_pixels(*next, 100, 170) > 300);
}

TEST_CASE("consent window: the code that follows a session also says what that session last did") {
  // Seen by hand: the customer allowed "delete 614.4 KB in your Trash" and the window went straight back
  // to a code with "Last session: ended by the engineer", never saying whether the Trash was emptied.
  ConsentFixture f;
  std::optional<test::WindowPixels> quiet, busy;
  const auto second_note = [](const test::WindowPixels& px) { return muted_pixels(px, 236, 256); };  // under it
  f.run_with([&] {
    f.ui->show_code("123-456-789", 300s);
    f.ui->show_session({"Alice", "203.0.113.7:5000", 3});
    f.ui->show_ended("ended by the engineer");
    f.ui->show_code("987-654-321", 300s);
    test::wait_until([&] { return (quiet = f.pixels()) && quiet->height == 400 && dark_pixels(*quiet, 100, 170) > 300; }, 5s);
    f.ui->show_session({"Bob", "203.0.113.8:5000", 3});
    f.ui->show_activity("Done: deleted 614.4 KB in your Trash (3 of 3 files)");
    f.ui->show_ended("ended by the engineer");
    f.ui->show_code("555-444-333", 300s);
    test::wait_until([&] { return (busy = f.pixels()) && busy->height == 400 && second_note(*busy) > 40; }, 5s);
  });
  REQUIRE(quiet);
  REQUIRE(busy);
  CHECK(second_note(*quiet) < 10);  // a session that did nothing: only how it ended
  CHECK(second_note(*busy) > 40);
}

TEST_CASE("consent window: creation fails cleanly without a display") {
  const std::string saved = std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "";
  setenv("DISPLAY", ":65000", 1);  // nothing listens there
  setenv("SDL_VIDEODRIVER", "x11", 1);
  auto ui = make_sdl_consent_ui();
  CHECK_FALSE(ui.has_value());
  if (!ui) CHECK(ui.error().code == ErrorCode::unavailable);
  setenv("DISPLAY", saved.c_str(), 1);
}

TEST_CASE("consent window: the countdown runs without any event and turns into 'expired'") {
  ConsentFixture f;
  auto red_pixels = [](const test::WindowPixels& px) {
    int n = 0;
    for (int y = 175; y < 205; ++y)
      for (int x = 0; x < px.width; ++x) n += test::near(px.at(x, y), {183, 28, 28}, 40) ? 1 : 0;
    return n;
  };
  std::optional<test::WindowPixels> before, after;
  f.run_with([&] {
    f.ui->show_code("111-222-333", 2s);
    test::wait_until([&] { return (before = f.pixels()) && dark_pixels(*before, 100, 170) > 300; }, 5s);
    test::wait_until([&] { return (after = f.pixels()) && red_pixels(*after) > 50; }, 5s);
  });
  REQUIRE(before);
  REQUIRE(after);
  CHECK(red_pixels(*before) == 0);
  CHECK(red_pixels(*after) > 50);  // "This code has expired" in red
}

TEST_CASE("consent window: takes keyboard focus only for a question; a session is a bar at the top edge") {
  ConsentFixture f;
  const std::string id = std::to_string(f.ui->x11_window());
  auto accepts_input = [&] {
    return test::command_output(f.display, "xprop -id " + id + " WM_HINTS")
               .find("Client accepts input or input focus: True") != std::string::npos;
  };
  auto geometry = [&] { return test::command_output(f.display, "xdotool getwindowgeometry " + id); };
  CHECK_FALSE(accepts_input());  // mapped without taking focus from the customer's application
  bool during_question = false, after_answer = true;
  std::string bar;
  f.run_with([&] {
    f.ui->show_code("123-456-789", 300s);
    f.ui->ask({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl}, [](ConsentAnswer) {});
    during_question = test::wait_until(accepts_input, 5s);
    f.ui->show_session({"Alice", "203.0.113.7:5000", perm::kView | perm::kControl});
    after_answer = !test::wait_until([&] { return !accepts_input(); }, 5s);
    test::wait_until([&] { return (bar = geometry()).find("Geometry: 720x44") != std::string::npos; }, 5s);
  });
  CHECK(during_question);
  CHECK_FALSE(after_answer);
  CHECK(bar.find("Geometry: 720x44") != std::string::npos);
  CHECK(bar.find("Position: 152,0 ") != std::string::npos);  // centred on the 1024 px wide screen, top edge
}

TEST_CASE("session bar: chat grows it, a click in the field takes the keyboard, Enter answers, Esc gives it back") {
  ConsentFixture f;
  const std::string id = std::to_string(f.ui->x11_window());
  auto accepts_input = [&] {
    return test::command_output(f.display, "xprop -id " + id + " WM_HINTS")
               .find("Client accepts input or input focus: True") != std::string::npos;
  };
  auto geometry = [&] { return test::command_output(f.display, "xdotool getwindowgeometry " + id); };
  std::promise<std::string> answered;
  f.ui->set_on_chat([&](std::string text) { answered.set_value(std::move(text)); });
  auto answer = answered.get_future();
  bool grew = false, typing = false, released = false;
  std::future_status got = std::future_status::timeout;
  f.run_with([&] {
    f.ui->show_session({"Alice", "203.0.113.7:5000", perm::kView});
    test::wait_until([&] { return geometry().find("Geometry: 720x44") != std::string::npos; }, 5s);
    f.ui->add_chat_line("12:00:00 Alice: Hello");
    grew = test::wait_until([&] { return geometry().find("Geometry: 720x162") != std::string::npos; }, 5s);
    std::this_thread::sleep_for(200ms);  // drawn in its new size
    f.click("chat_input");
    typing = test::wait_until(accepts_input, 5s);
    f.keys("H i Return");
    got = answer.wait_for(5s);
    f.keys("Escape");
    released = test::wait_until([&] { return !accepts_input(); }, 5s);
  });
  CHECK(grew);
  CHECK(typing);
  REQUIRE(got == std::future_status::ready);
  CHECK(answer.get() == "Hi");
  CHECK(released);
}

TEST_CASE("session bar: a transfer's progress grows it while shown, and it shrinks back when cleared") {
  ConsentFixture f;
  const std::string id = std::to_string(f.ui->x11_window());
  auto has_size = [&](const std::string& size) {
    return test::wait_until([&] {
      return test::command_output(f.display, "xdotool getwindowgeometry " + id).find("Geometry: " + size) !=
             std::string::npos;
    }, 5s);
  };
  bool bar = false, grown = false, shrunk = false;
  f.run_with([&] {
    f.ui->show_session({"Alice", "203.0.113.7:5000", perm::kView});
    bar = has_size("720x44");
    f.ui->show_activity("Receiving report.pdf: 45% of 2.1 MB");
    grown = has_size("720x162");
    f.ui->show_activity("");
    shrunk = has_size("720x44");
  });
  CHECK(bar);
  CHECK(grown);
  CHECK(shrunk);
}
