// Internal to host/ui: the state of SdlConsentWindow, shared by its two source files
// (sdl_consent_window.cpp: screens, questions, the loop; sdl_consent_chat.cpp: the session bar's chat).
// Fields under `mutex` are written by any thread; the rest belong to the UI (main) thread.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/ui/consent_view.hpp"
#include "host/ui/sdl_consent_window.hpp"
#include "host/ui/sdl_support.hpp"

namespace elfdesk::host {

struct SdlConsentWindow::Impl {
  using Clock = std::chrono::steady_clock;
  using Screen = ConsentView::Screen;
  sdl::Subsystems subsystems;  // first member: torn down last
  sdl::Ptr<SDL_Window> window;
  sdl::Ptr<SDL_Renderer> renderer;
  ConsentFonts fonts;
  Uint32 wake_event = 0;
  std::atomic<bool> wake_pending{false};

  // Written by any thread, read by the UI thread; guarded by mutex.
  std::mutex mutex;
  Screen screen = Screen::blank;  // what shows when no question is pending
  std::string code;
  Clock::time_point code_deadline;
  std::optional<ConsentQuestion> question;
  std::function<void(ConsentAnswer)> on_answer;
  std::uint64_t question_serial = 0;
  SessionInfo session;
  std::string ended_reason;
  std::string failed_attempts;
  std::function<void()> on_end_session;
  std::function<void()> on_quit;
  bool quit_requested = false;
  std::vector<std::string> chat_lines;  // the newest kChatLinesShown
  bool chat_open = false;
  std::string activity;
  std::function<void(std::string)> on_chat;

  // UI thread only.
  std::uint64_t seen_question_serial = 0;
  Clock::time_point question_shown_at;
  ConsentButton focus = ConsentButton::none;
  ConsentButton pressed = ConsentButton::none;
  std::optional<ConsentView> drawn;
  std::optional<Clock::time_point> next_change;  // when the view changes by itself (countdown, arming)
  bool holds_focus = false;          // took keyboard focus for a question
  unsigned long focus_before = 0;    // the customer's window that had it then (X11 id)
  std::optional<int> layout_height;  // the height the window was last given (bar, chat bar or dialog)
  bool chat_typing = false;          // the customer clicked into the chat field: the window has focus
  unsigned long focus_before_chat = 0;
  std::string chat_input;
  bool expanded_shown = false;  // the chat area is on screen (events may reset `drawn` in the same batch)

  explicit Impl(sdl::Subsystems s) : subsystems(std::move(s)) {}

  void wake() {
    if (x11_display_closed()) return;  // SDL would write to the dead display (x11_connection_loss.hpp)
    if (wake_pending.exchange(true)) return;  // one queued wake-up is enough
    SDL_Event event{};
    event.type = wake_event;
    SDL_PushEvent(&event);
  }

  template <class F>
  void update(F&& change) {
    {
      std::lock_guard lock(mutex);
      change();
    }
    wake();
  }

  ConsentView snapshot(Clock::time_point now, bool& quit);
  void follow_screen(Screen shown, bool expanded);
  void handle(const SDL_Event& event, Screen screen);
  void handle_key(SDL_Keycode key, Screen screen);
  void activate(ConsentButton button);
  // The window was closed or Close pressed: on_quit, or quit the loop when there is none.
  void request_quit();
  void start_chat_typing();
  void stop_chat_typing();
  bool handle_chat_key(SDL_Keycode key);
};

}  // namespace elfdesk::host
