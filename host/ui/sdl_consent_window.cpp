#include "host/ui/sdl_consent_window.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>

#include "common/sdl/window_title.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "host/ui/consent_view.hpp"
#include "host/ui/display_text.hpp"
#include "host/ui/sdl_support.hpp"
#include "host/ui/x11_focus.hpp"

#include "host/ui/sdl_consent_window_impl.hpp"

namespace elfdesk::host {
namespace {
using Clock = std::chrono::steady_clock;
using Screen = ConsentView::Screen;
}  // namespace

ConsentView SdlConsentWindow::Impl::snapshot(Clock::time_point now, bool& quit) {
  ConsentView view;
  bool new_question = false;
  {
    std::lock_guard lock(mutex);
    quit = quit_requested;
    view.screen = question ? Screen::question : screen;
    view.code = code;
    if (question) view.question = *question;
    view.session = session;
    view.ended_reason = ended_reason;
    view.failed_attempts = failed_attempts;
    view.chat_open = chat_open;
    view.chat_lines = chat_lines;
    view.activity = activity;
    if (question && question_serial != seen_question_serial) {
      seen_question_serial = question_serial;
      new_question = true;
    }
  }
  if (new_question) {
    question_shown_at = now;
    focus = ConsentButton::none;  // never carry focus onto a fresh Allow button
    pressed = ConsentButton::none;
  }
  next_change.reset();
  const auto left = std::chrono::ceil<std::chrono::seconds>(code_deadline - now);
  if (view.screen == Screen::code && left.count() > 0) {
    view.countdown = format_countdown(left);
    next_change = code_deadline - (left - std::chrono::seconds(1));
  }
  view.allow_armed = now - question_shown_at >= kArmDelay;
  if (view.screen == Screen::question && !view.allow_armed) next_change = question_shown_at + kArmDelay;
  const auto buttons = visible_buttons(view.screen);
  if (std::find(buttons.begin(), buttons.end(), focus) == buttons.end()) focus = ConsentButton::none;
  if (std::find(buttons.begin(), buttons.end(), pressed) == buttons.end()) pressed = ConsentButton::none;
  view.focus = focus;
  view.pressed = pressed;
  if (view.screen != Screen::session) chat_typing = false;  // a question took the keyboard, or the session ended
  view.chat_typing = chat_typing;
  view.chat_input = chat_input;
  return view;
}

// Focus and shape follow what is shown. Only a question takes keyboard focus (Esc, Tab, Enter answer it),
// and gives it back to the customer's window once answered or withdrawn; a session shows as a bar at
// the top edge, never a dialog over the middle of the screen.
void SdlConsentWindow::Impl::follow_screen(Screen shown, bool expanded) {
  SDL_Window* w = window.get();
  if (shown == Screen::question && !holds_focus) {
    focus_before = sdl::x11_focused_window(w);
    sdl::set_accepts_focus(w, true);
    SDL_RaiseWindow(w);
    holds_focus = true;
  } else if (shown != Screen::question && holds_focus) {
    sdl::set_accepts_focus(w, false);
    sdl::return_focus(w, focus_before);
    holds_focus = false;
  }
  const bool bar = shown == Screen::session;
  const int height = !bar ? kConsentWindowHeight : expanded ? kChatBarHeight : kSessionBarHeight;
  if (layout_height == height) return;
  layout_height = height;
  SDL_Rect bounds{0, 0, 1024, 768};
  SDL_GetDisplayBounds(std::max(0, SDL_GetWindowDisplayIndex(w)), &bounds);
  const int width = bar ? kSessionBarWidth : kConsentWindowWidth;
  SDL_SetWindowSize(w, width, height);
  SDL_SetWindowPosition(w, bounds.x + (bounds.w - width) / 2, bar ? bounds.y : bounds.y + (bounds.h - height) / 2);
  drawn.reset();
}

void SdlConsentWindow::Impl::handle(const SDL_Event& event, Screen screen_shown) {
  if (event.type == wake_event) {
    wake_pending = false;
  } else if (event.type == SDL_QUIT) {
    request_quit();
  } else if (event.type == SDL_WINDOWEVENT) {
    drawn.reset();  // exposed, restored, resized: draw again even though nothing changed
  } else if (event.type == SDL_MOUSEBUTTONDOWN && event.button.button == SDL_BUTTON_LEFT) {
    pressed = button_at(screen_shown, event.button.x, event.button.y);
    const Rect field = chat_input_rect();
    const bool in_field = event.button.x >= field.x && event.button.y >= field.y &&
                          event.button.x < field.x + field.width && event.button.y < field.y + field.height;
    if (screen_shown == Screen::session && expanded_shown && in_field) start_chat_typing();
  } else if (event.type == SDL_TEXTINPUT && chat_typing) {
    const std::string text = event.text.text;
    if (chat_input.size() + text.size() <= kMaxChatInput) chat_input += text;
  } else if (event.type == SDL_MOUSEBUTTONUP && event.button.button == SDL_BUTTON_LEFT) {
    const ConsentButton released = button_at(screen_shown, event.button.x, event.button.y);
    const ConsentButton was = std::exchange(pressed, ConsentButton::none);
    if (released != ConsentButton::none && released == was) activate(released);
  } else if (event.type == SDL_KEYDOWN) {
    if (!handle_chat_key(event.key.keysym.sym)) handle_key(event.key.keysym.sym, screen_shown);
  }
}

void SdlConsentWindow::Impl::handle_key(SDL_Keycode key, Screen screen_shown) {
  const auto buttons = visible_buttons(screen_shown);
  if (key == SDLK_ESCAPE && screen_shown == Screen::question) {
    activate(ConsentButton::deny);
  } else if ((key == SDLK_TAB || key == SDLK_LEFT || key == SDLK_RIGHT) && !buttons.empty()) {
    const auto it = std::find(buttons.begin(), buttons.end(), focus);
    const bool back = key == SDLK_LEFT;
    if (it == buttons.end()) focus = back ? buttons.back() : buttons.front();
    else if (back) focus = it == buttons.begin() ? buttons.back() : *(it - 1);
    else focus = it + 1 == buttons.end() ? buttons.front() : *(it + 1);
  } else if ((key == SDLK_RETURN || key == SDLK_KP_ENTER || key == SDLK_SPACE) && focus != ConsentButton::none) {
    activate(focus);
  }
}

void SdlConsentWindow::Impl::request_quit() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex);
    callback = on_quit;
    if (!callback) quit_requested = true;
  }
  if (callback) callback();
}

void SdlConsentWindow::Impl::activate(ConsentButton button) {
  if (button == ConsentButton::close) return request_quit();  // only shown on the code and ended screens
  if (button == ConsentButton::chat) {
    if (chat_typing) return stop_chat_typing();
    return start_chat_typing();
  }
  if (button == ConsentButton::end_session) {
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex);
      if (screen != Screen::session || question) return;
      callback = on_end_session;
    }
    if (callback) callback();
    return;
  }
  if (button == ConsentButton::allow && Clock::now() - question_shown_at < kArmDelay) return;
  std::function<void(ConsentAnswer)> callback;
  {
    std::lock_guard lock(mutex);
    // Only the question the customer is looking at may be answered.
    if (!question || question_serial != seen_question_serial) return;
    question.reset();
    callback = std::exchange(on_answer, nullptr);
  }
  if (callback) callback(button == ConsentButton::allow ? ConsentAnswer::allow : ConsentAnswer::deny);
  wake();
}

std::expected<std::unique_ptr<SdlConsentWindow>, Error> SdlConsentWindow::create() {
  // A support dialog must not keep the customer's screen saver off or bypass their compositor.
  SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  // The first click on an unfocused window is a real click (Allow, Deny, End session): SDL drops it
  // otherwise. Allow stays inert for kArmDelay after a question appears, so this adds no accident.
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  auto subsystems = sdl::Subsystems::start();
  if (!subsystems) return std::unexpected(subsystems.error());
  auto impl = std::make_unique<Impl>(std::move(*subsystems));
  auto fonts = ConsentFonts::open();
  if (!fonts) return std::unexpected(fonts.error());
  impl->fonts = std::move(*fonts);
  impl->wake_event = SDL_RegisterEvents(1);
  if (impl->wake_event == static_cast<Uint32>(-1))
    return std::unexpected(make_error(ErrorCode::internal, "SDL_RegisterEvents failed"));
  impl->window.reset(SDL_CreateWindow("elfdesk \u2014 remote support", SDL_WINDOWPOS_CENTERED,
                                      SDL_WINDOWPOS_CENTERED, kConsentWindowWidth, kConsentWindowHeight,
                                      SDL_WINDOW_HIDDEN | SDL_WINDOW_ALWAYS_ON_TOP | SDL_WINDOW_SKIP_TASKBAR |
                                          SDL_WINDOW_BORDERLESS));
  if (!impl->window)
    return std::unexpected(make_error(ErrorCode::unavailable, std::string("SDL window: ") + SDL_GetError()));
  impl->renderer.reset(SDL_CreateRenderer(impl->window.get(), -1, 0));
  if (!impl->renderer) impl->renderer.reset(SDL_CreateRenderer(impl->window.get(), -1, SDL_RENDERER_SOFTWARE));
  if (!impl->renderer)
    return std::unexpected(make_error(ErrorCode::unavailable, std::string("SDL renderer: ") + SDL_GetError()));
  // Borderless: the bar must sit exactly at the screen's edge (a frame would push it off-screen), and
  // both shapes draw their own header. Mapped without taking keyboard focus: the customer may be typing
  // (or the engineer, once connected).
  // After the renderer: SDL may recreate the X window for it, with fresh WM_HINTS.
  sdl::set_accepts_focus(impl->window.get(), false);
  // The dialog moves by its header, as a framed window by its title bar (through the window manager's
  // _NET_WM_MOVERESIZE); the bar stays at the top edge. Called on the UI thread, as follow_screen().
  SDL_SetWindowHitTest(
      impl->window.get(),
      [](SDL_Window*, const SDL_Point* at, void* data) {
        const bool dialog = static_cast<const Impl*>(data)->layout_height == kConsentWindowHeight;
        return dialog && at->y < kConsentHeaderHeight ? SDL_HITTEST_DRAGGABLE : SDL_HITTEST_NORMAL;
      },
      impl.get());
  elfdesk::sdl::set_window_title(impl->window.get(), "elfdesk \u2014 remote support");
  SDL_ShowWindow(impl->window.get());
  return std::unique_ptr<SdlConsentWindow>(new SdlConsentWindow(std::move(impl)));
}

SdlConsentWindow::SdlConsentWindow(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SdlConsentWindow::~SdlConsentWindow() = default;

void SdlConsentWindow::show_code(std::string formatted_code, std::chrono::seconds valid_for) {
  impl_->update([&] {
    impl_->screen = Screen::code;
    impl_->code = std::move(formatted_code);
    impl_->code_deadline = Clock::now() + valid_for;
  });
}

void SdlConsentWindow::ask(ConsentQuestion question, std::function<void(ConsentAnswer)> on_answer) {
  impl_->update([&] {
    impl_->question = std::move(question);
    impl_->on_answer = std::move(on_answer);
    ++impl_->question_serial;
  });
}

void SdlConsentWindow::cancel_question() {
  impl_->update([&] {
    impl_->question.reset();
    impl_->on_answer = nullptr;
  });
}

void SdlConsentWindow::show_session(SessionInfo info) {
  impl_->update([&] {
    impl_->question.reset();
    impl_->on_answer = nullptr;
    impl_->screen = Screen::session;
    impl_->session = std::move(info);
    impl_->failed_attempts.clear();
    impl_->ended_reason.clear();
    impl_->activity.clear();
  });
}

void SdlConsentWindow::show_ended(std::string reason) {
  impl_->update([&] {
    impl_->chat_open = false;
    impl_->chat_lines.clear();
    impl_->question.reset();  // the activity stays: the next code says what the session last did
    impl_->on_answer = nullptr;
    impl_->screen = Screen::ended;
    impl_->ended_reason = std::move(reason);
  });
}

void SdlConsentWindow::show_failed_attempts(std::string summary) {
  impl_->update([&] { impl_->failed_attempts = std::move(summary); });
}

void SdlConsentWindow::set_on_end_session(std::function<void()> callback) {
  impl_->update([&] { impl_->on_end_session = std::move(callback); });
}

void SdlConsentWindow::set_on_quit(std::function<void()> callback) {
  impl_->update([&] { impl_->on_quit = std::move(callback); });
}

void SdlConsentWindow::quit() {
  impl_->update([&] { impl_->quit_requested = true; });
}

int SdlConsentWindow::run() {
  Impl& s = *impl_;
  for (;;) {
    const auto now = Clock::now();
    bool quit_now = false;
    const ConsentView view = s.snapshot(now, quit_now);
    if (quit_now) break;
    s.follow_screen(view.screen, view.expanded());
    s.expanded_shown = view.expanded();
    if (!s.drawn || *s.drawn != view) {  // draw only when something visible changed
      draw_consent(s.renderer.get(), s.fonts, view);
      s.drawn = view;
    }
    int timeout_ms = -1;
    if (s.next_change) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*s.next_change - now).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(wait, 1, 60'000));
    }
    SDL_Event event;
    if (SDL_WaitEventTimeout(&event, timeout_ms) == 0) continue;
    do s.handle(event, view.screen);
    while (SDL_PollEvent(&event) != 0);
  }
  std::lock_guard lock(s.mutex);
  s.quit_requested = false;
  return 0;
}

Rect SdlConsentWindow::button_rect(std::string_view name) {
  if (name == "allow") return consent_button_rect(ConsentButton::allow);
  if (name == "deny") return consent_button_rect(ConsentButton::deny);
  if (name == "end_session") return consent_button_rect(ConsentButton::end_session);
  if (name == "chat") return consent_button_rect(ConsentButton::chat);
  if (name == "close") return consent_button_rect(ConsentButton::close);
  if (name == "chat_input") return chat_input_rect();
  return {};
}

unsigned long SdlConsentWindow::x11_window() const { return sdl::x11_window_of(impl_->window.get()); }

std::expected<std::unique_ptr<ConsentUi>, Error> make_sdl_consent_ui() {
  auto window = SdlConsentWindow::create();
  if (!window) return std::unexpected(window.error());
  return std::unique_ptr<ConsentUi>(std::move(*window));
}

}  // namespace elfdesk::host
