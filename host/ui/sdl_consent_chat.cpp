// The session bar's chat (SdlConsentWindow, UI thread except the public setters): lines from the engineer
// grow the bar; a click in the field takes the keyboard until Enter sends or Esc gives it back.
#include "host/platform/x11_connection_loss.hpp"
#include "host/ui/sdl_consent_window_impl.hpp"
#include "host/ui/x11_focus.hpp"

namespace elfdesk::host {
namespace {
using Clock = std::chrono::steady_clock;
using Screen = ConsentView::Screen;
}  // namespace

void SdlConsentWindow::Impl::start_chat_typing() {
  {
    std::lock_guard lock(mutex);
    chat_open = true;
  }
  if (chat_typing) return;
  SDL_Window* w = window.get();
  focus_before_chat = sdl::x11_focused_window(w);
  sdl::set_accepts_focus(w, true);
  SDL_RaiseWindow(w);
  SDL_SetWindowInputFocus(w);
  SDL_StartTextInput();
  chat_typing = true;
}

// Gives the keyboard back to where the customer was typing before.
void SdlConsentWindow::Impl::stop_chat_typing() {
  if (!chat_typing) return;
  chat_typing = false;
  SDL_Window* w = window.get();
  sdl::set_accepts_focus(w, false);
  sdl::return_focus(w, focus_before_chat);
}

// Keys while the customer types a chat answer; true when the key was for the chat field.
bool SdlConsentWindow::Impl::handle_chat_key(SDL_Keycode key) {
  if (!chat_typing) return false;
  if (key == SDLK_ESCAPE) {
    stop_chat_typing();
  } else if (key == SDLK_BACKSPACE) {
    while (!chat_input.empty() && (static_cast<unsigned char>(chat_input.back()) & 0xC0) == 0x80) chat_input.pop_back();
    if (!chat_input.empty()) chat_input.pop_back();
  } else if ((key == SDLK_RETURN || key == SDLK_KP_ENTER) && !chat_input.empty()) {
    std::function<void(std::string)> callback;
    {
      std::lock_guard lock(mutex);
      callback = on_chat;
    }
    if (callback) callback(std::exchange(chat_input, {}));
  }
  return true;
}


void SdlConsentWindow::add_chat_line(std::string line) {
  impl_->update([&] {
    impl_->chat_open = true;
    impl_->chat_lines.push_back(std::move(line));
    constexpr auto kKeep = static_cast<std::size_t>(kChatLinesShown);
    auto& lines = impl_->chat_lines;
    if (lines.size() > kKeep) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(kKeep));
  });
}

void SdlConsentWindow::set_on_chat(std::function<void(std::string)> callback) {
  impl_->update([&] { impl_->on_chat = std::move(callback); });
}

void SdlConsentWindow::show_activity(std::string line) {
  impl_->update([&] { impl_->activity = std::move(line); });
}

}  // namespace elfdesk::host
