// Test support for host input tests: a real X client window covering the screen that records what the
// injector produced (typed text via Xutf8LookupString, button presses, pointer motion). Test thread only.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace elfdesk::test {

struct ButtonRecord {
  unsigned button = 0;
  bool down = false;
  int x = 0;  // root coordinates
  int y = 0;
  unsigned state = 0;  // modifier/button mask before the event
};

class InputTestWindow {
 public:
  // Opens `display`, maps a focused window covering the whole screen and waits until it is visible.
  explicit InputTestWindow(const std::string& display);
  ~InputTestWindow();
  InputTestWindow(const InputTestWindow&) = delete;
  InputTestWindow& operator=(const InputTestWindow&) = delete;

  // Processes events until `done()` holds or `timeout` passes; returns done().
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(3));
  // Processes whatever arrives within `quiet` (to prove nothing else comes).
  void pump_for(std::chrono::milliseconds quiet);

  const std::string& text() const { return text_; }
  const std::vector<ButtonRecord>& buttons() const { return buttons_; }
  int motion_x() const { return motion_x_; }
  int motion_y() const { return motion_y_; }
  unsigned last_key_state() const { return last_key_state_; }
  void clear() { text_.clear(); buttons_.clear(); }

  // Keycodes currently down according to XQueryKeymap, and the pointer's button mask (XQueryPointer).
  std::vector<unsigned> keys_down() const;
  unsigned pointer_buttons() const;

 private:
  void handle_one();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string text_;
  std::vector<ButtonRecord> buttons_;
  int motion_x_ = -1;
  int motion_y_ = -1;
  unsigned last_key_state_ = 0;
};

}  // namespace elfdesk::test
