// Internal to host/ui: layout and drawing of the consent window from a snapshot of its state, so
// drawing never holds the window's lock. UI (main) thread only; includes SDL.
#pragma once
#include <string>
#include <vector>

#include "host/ui/consent_ui.hpp"
#include "host/ui/sdl_support.hpp"

namespace elfdesk::host {

inline constexpr int kConsentWindowWidth = 520;
// Tall enough for every permission at once (view, control, clipboard, diagnostics over two lines, fixes,
// files, recording): the question is the one screen the customer must read whole.
inline constexpr int kConsentWindowHeight = 400;
// The dark band at the top of the code and question screens: the customer drags the window by it (it has
// no title bar of the window manager's).
inline constexpr int kConsentHeaderHeight = 40;
// During a session the window is only a bar at the top edge of the screen: the engineer must see what
// is under it, and the customer must see that someone is connected.
inline constexpr int kSessionBarWidth = 720;
inline constexpr int kSessionBarHeight = 44;
// With chat (or a transfer under way) the bar grows downwards: the last kChatLinesShown lines and an
// input field for the customer's answer.
inline constexpr int kChatLinesShown = 4;
inline constexpr int kChatBarHeight = kSessionBarHeight + 8 + kChatLinesShown * 18 + 38;
inline constexpr std::size_t kMaxChatInput = 1000;

// close: on the code and ended screens, so the customer can put elfdesk away while no session is on
// (the window is borderless and has no title bar of the window manager's).
enum class ConsentButton { none, deny, allow, end_session, chat, close };

struct ConsentView {
  enum class Screen { blank, code, question, session, ended };
  Screen screen = Screen::blank;
  std::string code;
  std::string countdown;  // "4:59"; empty when expired
  ConsentQuestion question;
  SessionInfo session;
  std::string ended_reason;
  std::string failed_attempts;  // "3 wrong codes tried from 198.51.100.7"; empty: none
  bool allow_armed = false;  // Allow stays inert for a moment after the question appears
  ConsentButton focus = ConsentButton::none;
  ConsentButton pressed = ConsentButton::none;
  // Session bar extras (host/transfer): chat lines, the customer's answer being typed, a transfer's progress.
  bool chat_open = false;
  bool chat_typing = false;
  std::vector<std::string> chat_lines;  // the newest kChatLinesShown
  std::string chat_input;
  std::string activity;  // in the session bar; on the code after a session, what that session last did
  bool expanded() const { return screen == Screen::session && (chat_open || !activity.empty()); }
  friend bool operator==(const ConsentView&, const ConsentView&) = default;
};

// The customer's chat input field in the expanded bar (window pixels).
Rect chat_input_rect();

// Fixed positions in window pixels (deterministic for tests); End session is in the session bar.
Rect consent_button_rect(ConsentButton button);
// Buttons that exist on a screen, in focus (Tab) order.
std::vector<ConsentButton> visible_buttons(ConsentView::Screen screen);
ConsentButton button_at(ConsentView::Screen screen, int x, int y);

struct ConsentFonts {
  sdl::Ptr<TTF_Font> small, body, bold, code;
  static std::expected<ConsentFonts, Error> open();
};

void draw_consent(SDL_Renderer* renderer, const ConsentFonts& fonts, const ConsentView& view);

}  // namespace elfdesk::host
