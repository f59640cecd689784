#include "host/ui/consent_view.hpp"

#include "host/ui/display_text.hpp"

namespace elfdesk::host {
namespace {

constexpr SDL_Color kBackground{246, 246, 246, 255};
constexpr SDL_Color kHeader{33, 52, 84, 255};
constexpr SDL_Color kText{28, 28, 28, 255};
constexpr SDL_Color kMuted{100, 100, 100, 255};
constexpr SDL_Color kWhite{255, 255, 255, 255};
constexpr SDL_Color kBanner{198, 76, 0, 255};       // orange: impossible to overlook, not an error red
constexpr SDL_Color kAllow{46, 125, 50, 255};
constexpr SDL_Color kAllowInert{160, 184, 162, 255};
constexpr SDL_Color kDeny{90, 90, 90, 255};
constexpr SDL_Color kEnd{183, 28, 28, 255};
constexpr SDL_Color kFocus{25, 118, 210, 255};

constexpr int kMid = kConsentWindowWidth / 2;
constexpr int kTextWidth = kConsentWindowWidth - 40;

void fill(SDL_Renderer* r, const Rect& rect, SDL_Color c) {
  SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
  const SDL_Rect s = sdl::to_sdl(rect);
  SDL_RenderFillRect(r, &s);
}

SDL_Color darker(SDL_Color c) {
  return SDL_Color{static_cast<Uint8>(c.r * 3 / 4), static_cast<Uint8>(c.g * 3 / 4),
                   static_cast<Uint8>(c.b * 3 / 4), 255};
}

void draw_button(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view, ConsentButton button) {
  const Rect rect = consent_button_rect(button);
  SDL_Color colour = kDeny;
  const char* label = "Deny";
  if (button == ConsentButton::allow) {
    colour = view.allow_armed ? kAllow : kAllowInert;
    label = "Allow";
  } else if (button == ConsentButton::end_session) {
    colour = kEnd;
    label = "End session";
  } else if (button == ConsentButton::chat) {
    colour = kHeader;
    label = "Chat";
  } else if (button == ConsentButton::close) {
    label = "Close";
  }
  if (view.pressed == button) colour = darker(colour);
  if (view.focus == button) fill(r, {rect.x - 4, rect.y - 4, rect.width + 8, rect.height + 8}, kFocus);
  fill(r, rect, colour);
  const int text_y = rect.y + (rect.height - TTF_FontHeight(fonts.bold.get())) / 2;
  sdl::draw_text(r, fonts.bold.get(), label, kWhite, rect.x + rect.width / 2, text_y, sdl::Align::center,
                 rect.width - 8);
}

void draw_code_screen(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  if (view.code.empty()) {  // relay mode before the relay gave us an id: nothing to read out yet
    sdl::draw_text(r, fonts.body.get(), "Connecting to the support service...", kText, kMid, 100, sdl::Align::center,
                   kTextWidth);
  } else {
    sdl::draw_text(r, fonts.body.get(), "Read this code to your support engineer", kText, kMid, 62,
                   sdl::Align::center, kTextWidth);
    sdl::draw_text(r, fonts.code.get(), view.code, kText, kMid, 100, sdl::Align::center, kTextWidth);
    const std::string validity = view.countdown.empty() ? "This code has expired" : "Valid for " + view.countdown;
    sdl::draw_text(r, fonts.body.get(), validity, view.countdown.empty() ? kEnd : kText, kMid, 178,
                   sdl::Align::center, kTextWidth);
  }
  sdl::draw_text(r, fonts.small.get(), "Nobody can connect without this code and your permission.", kMuted,
                 kMid, consent_button_rect(ConsentButton::close).y - 34, sdl::Align::center, kTextWidth);
  draw_button(r, fonts, view, ConsentButton::close);
  if (!view.failed_attempts.empty()) {  // someone is guessing: the customer should know
    sdl::draw_text(r, fonts.small.get(), sanitize_display_text(view.failed_attempts, 80), kEnd, kMid, 218,
                   sdl::Align::center, kTextWidth);
  } else if (!view.ended_reason.empty()) {  // the new code comes at once: say why the session is gone
    sdl::draw_text(r, fonts.small.get(), "Last session: " + sanitize_display_text(view.ended_reason, 80), kMuted,
                   kMid, 218, sdl::Align::center, kTextWidth);
    if (!view.activity.empty())  // "Sent app.log (10 bytes)", "Done: deleted 1.2 GB in your Trash (412 of 412 files)"
      sdl::draw_text(r, fonts.small.get(), sanitize_display_text(view.activity, 80), kMuted, kMid, 238,
                     sdl::Align::center, kTextWidth);
  }
}

void draw_question_screen(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  const ConsentQuestion& q = view.question;
  sdl::draw_text(r, fonts.bold.get(), sanitize_display_text(q.engineer_name), kText, kMid, 58, sdl::Align::center,
                 kTextWidth);
  sdl::draw_text(r, fonts.body.get(), "(from " + sanitize_display_text(q.peer_address, 64) + ")", kMuted, kMid,
                 90, sdl::Align::center, kTextWidth);
  sdl::draw_text(r, fonts.body.get(), "wants to", kText, kMid, 116, sdl::Align::center, kTextWidth);
  int y = 138;  // one line per thing the engineer could do (a long one takes two), then the note
  if (!q.request.empty()) {  // a request during the session: its words instead of the permissions
    sdl::draw_text(r, fonts.body.get(), sanitize_display_text(q.request, 70), kText, kMid, y, sdl::Align::center,
                   kTextWidth);
    y += 24;
  }
  for (const std::string& clause : q.request.empty() ? permission_clauses(q.permissions, q.local_net_checks)
                                                     : std::vector<std::string>{}) {
    // "run read-only diagnostics (system, ...)": the details on a line of their own, never shrunk to fit.
    const auto details = clause.find(" (");
    const bool split = clause.size() > 60 && details != std::string::npos;
    sdl::draw_text(r, fonts.small.get(), "\u2022 " + clause.substr(0, split ? details : clause.size()), kText, kMid,
                   y, sdl::Align::center, kTextWidth);
    y += 18;
    if (split) {
      sdl::draw_text(r, fonts.small.get(), clause.substr(details + 1), kMuted, kMid, y, sdl::Align::center,
                     kTextWidth);
      y += 18;
    }
  }
  sdl::draw_text(r, fonts.small.get(), "Allow only if you asked for support. Esc denies.", kMuted, kMid,
                 consent_button_rect(ConsentButton::deny).y - 22, sdl::Align::center, kTextWidth);
  draw_button(r, fonts, view, ConsentButton::deny);
  draw_button(r, fonts, view, ConsentButton::allow);
}

// Below the bar: progress, the last chat lines (already "time sender: text"), the input field.
void draw_chat_area(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  fill(r, {0, kSessionBarHeight, kSessionBarWidth, kChatBarHeight - kSessionBarHeight}, kBackground);
  int y = kSessionBarHeight + 4;
  if (!view.activity.empty()) {
    sdl::draw_text(r, fonts.small.get(), sanitize_display_text(view.activity, 100), kHeader, 10, y, sdl::Align::left,
                   kSessionBarWidth - 20);
    y += 18;
  }
  const std::size_t room = static_cast<std::size_t>(kChatLinesShown - (view.activity.empty() ? 0 : 1));
  const std::size_t first = view.chat_lines.size() > room ? view.chat_lines.size() - room : 0;
  for (std::size_t i = first; i < view.chat_lines.size(); ++i, y += 18)
    sdl::draw_text(r, fonts.small.get(), sanitize_display_text(view.chat_lines[i], 110), kText, 10, y,
                   sdl::Align::left, kSessionBarWidth - 20);
  const Rect input = chat_input_rect();
  fill(r, input, view.chat_typing ? kFocus : kMuted);
  fill(r, {input.x + 2, input.y + 2, input.width - 4, input.height - 4}, kWhite);
  const std::string shown = view.chat_typing ? view.chat_input + "_"
                            : view.chat_input.empty() ? "Click here to answer" : view.chat_input;
  sdl::draw_text(r, fonts.small.get(), shown, view.chat_typing ? kText : kMuted, input.x + 8, input.y + 6,
                 sdl::Align::left, input.width - 16);
}

void draw_session_bar(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  fill(r, {0, 0, kSessionBarWidth, kSessionBarHeight}, kBanner);
  const SessionInfo& s = view.session;
  const Rect end = consent_button_rect(ConsentButton::chat);
  const int text_width = end.x - 20;
  sdl::draw_text(r, fonts.small.get(),
                 "elfdesk: " + sanitize_display_text(s.engineer_name) + " from " +
                     sanitize_display_text(s.peer_address, 64) + " is connected",
                 kWhite, 10, 4, sdl::Align::left, text_width);
  sdl::draw_text(r, fonts.small.get(), "has: " + permission_words(s.permissions), kWhite, 10, 23,
                 sdl::Align::left, text_width);
  draw_button(r, fonts, view, ConsentButton::chat);
  draw_button(r, fonts, view, ConsentButton::end_session);
  if (view.expanded()) draw_chat_area(r, fonts, view);
}

void draw_ended_screen(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  sdl::draw_text(r, fonts.bold.get(), "Session ended", kText, kMid, 100, sdl::Align::center, kTextWidth);
  sdl::draw_text(r, fonts.body.get(), sanitize_display_text(view.ended_reason, 80), kMuted, kMid, 140,
                 sdl::Align::center, kTextWidth);
  draw_button(r, fonts, view, ConsentButton::close);
}

}  // namespace

Rect consent_button_rect(ConsentButton button) {
  switch (button) {
    case ConsentButton::deny: return {40, kConsentWindowHeight - 84, 200, 52};
    case ConsentButton::allow: return {280, kConsentWindowHeight - 84, 200, 52};
    case ConsentButton::end_session: return {kSessionBarWidth - 136, 6, 128, 32};
    case ConsentButton::chat: return {kSessionBarWidth - 136 - 84, 6, 76, 32};
    case ConsentButton::close: return {(kConsentWindowWidth - 160) / 2, kConsentWindowHeight - 64, 160, 44};
    case ConsentButton::none: break;
  }
  return {};
}

Rect chat_input_rect() { return {8, kChatBarHeight - 36, kSessionBarWidth - 16, 30}; }

std::vector<ConsentButton> visible_buttons(ConsentView::Screen screen) {
  if (screen == ConsentView::Screen::question) return {ConsentButton::deny, ConsentButton::allow};
  if (screen == ConsentView::Screen::session) return {ConsentButton::chat, ConsentButton::end_session};
  if (screen == ConsentView::Screen::code || screen == ConsentView::Screen::ended) return {ConsentButton::close};
  return {};
}

ConsentButton button_at(ConsentView::Screen screen, int x, int y) {
  for (ConsentButton b : visible_buttons(screen)) {
    const Rect r = consent_button_rect(b);
    if (x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height) return b;
  }
  return ConsentButton::none;
}

std::expected<ConsentFonts, Error> ConsentFonts::open() {
  ConsentFonts f;
  auto small = sdl::open_font(ELFDESK_FONT_PATH, 13);
  auto body = sdl::open_font(ELFDESK_FONT_PATH, 17);
  auto bold = sdl::open_font(ELFDESK_FONT_PATH, 19);
  auto code = sdl::open_font(ELFDESK_MONO_FONT_PATH, 46);
  for (auto* font : {&small, &body, &bold, &code})
    if (!*font) return std::unexpected(font->error());
  TTF_SetFontStyle(bold->get(), TTF_STYLE_BOLD);
  TTF_SetFontStyle(code->get(), TTF_STYLE_BOLD);
  f.small = std::move(*small);
  f.body = std::move(*body);
  f.bold = std::move(*bold);
  f.code = std::move(*code);
  return f;
}

void draw_consent(SDL_Renderer* r, const ConsentFonts& fonts, const ConsentView& view) {
  if (view.screen == ConsentView::Screen::session) {
    draw_session_bar(r, fonts, view);
    SDL_RenderPresent(r);
    return;
  }
  fill(r, {0, 0, kConsentWindowWidth, kConsentWindowHeight}, kBackground);
  fill(r, {0, 0, kConsentWindowWidth, kConsentHeaderHeight}, kHeader);
  sdl::draw_text(r, fonts.small.get(), "elfdesk \u2014 remote support", kWhite, 14, 11, sdl::Align::left, kTextWidth);
  switch (view.screen) {
    case ConsentView::Screen::code: draw_code_screen(r, fonts, view); break;
    case ConsentView::Screen::question: draw_question_screen(r, fonts, view); break;
    case ConsentView::Screen::session: break;  // the bar, above
    case ConsentView::Screen::ended: draw_ended_screen(r, fonts, view); break;
    case ConsentView::Screen::blank:
      sdl::draw_text(r, fonts.body.get(), "Starting\u2026", kMuted, kMid, 140, sdl::Align::center, kTextWidth);
      break;
  }
  SDL_RenderPresent(r);
}

}  // namespace elfdesk::host
