// The customer's consent/session window (SDL2): the one-time code while waiting, the engineer's request
// with Allow/Deny, and an "active session" banner with End session. Created and run() on the main
// thread; every other method is thread-safe and wakes the loop with an SDL user event. Callbacks run on
// the main thread. The window owns its SDL handles; SDL's video subsystem stays up while it lives.
#pragma once
#include <chrono>
#include <expected>
#include <memory>
#include <string_view>

#include "common/image.hpp"
#include "host/ui/consent_ui.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

class SdlConsentWindow final : public ConsentUi {
 public:
  // Allow ignores clicks and keys for this long after a question appears, so a click meant for
  // something else cannot land on it by accident.
  static constexpr std::chrono::milliseconds kArmDelay{600};

  // Main thread. Fails with ErrorCode::unavailable when there is no display or no font.
  static std::expected<std::unique_ptr<SdlConsentWindow>, Error> create();
  ~SdlConsentWindow() override;

  void show_code(std::string formatted_code, std::chrono::seconds valid_for) override;
  void ask(ConsentQuestion question, std::function<void(ConsentAnswer)> on_answer) override;
  void cancel_question() override;
  void show_session(SessionInfo info) override;
  void show_ended(std::string reason) override;
  void show_failed_attempts(std::string summary) override;
  void add_chat_line(std::string line) override;
  void set_on_chat(std::function<void(std::string)> callback) override;
  void show_activity(std::string line) override;
  void set_on_end_session(std::function<void()> callback) override;
  void set_on_quit(std::function<void()> callback) override;
  int run() override;
  void quit() override;

  // Window-relative position of "allow", "deny", "end_session", "chat" or "chat_input" (empty Rect for
  // other names).
  // Positions are fixed; a button only reacts while its screen is shown.
  static Rect button_rect(std::string_view name);
  unsigned long x11_window() const;  // 0 when SDL does not run on X11

  struct Impl;

 private:
  explicit SdlConsentWindow(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Keyboard: Esc denies; Tab/arrow keys move focus between buttons (none has focus at first, so Enter
// alone never allows); Enter or Space presses the focused button.
std::expected<std::unique_ptr<ConsentUi>, Error> make_sdl_consent_ui();

}  // namespace elfdesk::host
