// ViewerWindow's view controls and menu (main thread): F11 / Ctrl+Alt+F fullscreen, Ctrl+Alt+1 fit or 1:1,
// in 1:1 Ctrl+Alt+arrows and edge panning scroll, F8 or the button at the top right opens the menu
// (arrows, Enter, Esc, or the mouse). Scale and fullscreen are remembered per host (ViewerStateFile).
#include <SDL.h>

#include "client/cli/viewer_window.hpp"
#include "common/log.hpp"

namespace elfdesk::client {
namespace {

constexpr int kScrollStep = 100;    // remote pixels per Ctrl+Alt+arrow
constexpr int kEdgeMargin = 12;     // window pixels from an edge where the pointer pans
constexpr int kEdgeStep = 24;       // remote pixels per pan step
constexpr Uint32 kPanIntervalMs = 40;

bool ctrl_alt(const SDL_Event& e) {
  return (e.key.keysym.mod & KMOD_CTRL) != 0 && (e.key.keysym.mod & KMOD_ALT) != 0;
}

bool is_left_click(const SDL_Event& e) { return e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT; }

// SDL's timer thread: only wakes the main thread, which pans (ViewerWindow::edge_pan) while at the edge.
// The presenter outlives the ViewerWindow that removes the timer (run_view_command), and wake() is
// thread-safe, so a tick still running while the timer is removed is harmless.
Uint32 pan_tick(Uint32 interval, void* presenter) {
  static_cast<SdlPresenter*>(presenter)->wake();
  return interval;
}

}  // namespace

bool ViewerWindow::on_view_event(const SDL_Event& e) {
  // While the keyboard is grabbed F8 and F11 go to the customer (a browser's fullscreen); the Ctrl+Alt
  // shortcuts and the menu button stay local.
  const bool plain_keys_local = !mapper_.keyboard_grabbed();
  if (e.type == SDL_KEYDOWN) {
    const SDL_Keycode key = e.key.keysym.sym;
    const bool first = e.key.repeat == 0;
    if ((key == SDLK_F11 && plain_keys_local) || (key == SDLK_f && ctrl_alt(e))) {
      if (first) toggle_fullscreen();
      return true;
    }
    if (key == SDLK_1 && ctrl_alt(e)) {
      if (first) toggle_scale();
      return true;
    }
    if (key == SDLK_F8 && plain_keys_local) {
      if (first) open_menu(true);
      return true;
    }
    if (ctrl_alt(e) && (key == SDLK_LEFT || key == SDLK_RIGHT || key == SDLK_UP || key == SDLK_DOWN)) {
      const int dx = key == SDLK_LEFT ? -kScrollStep : key == SDLK_RIGHT ? kScrollStep : 0;
      const int dy = key == SDLK_UP ? -kScrollStep : key == SDLK_DOWN ? kScrollStep : 0;
      window_.scroll_by(dx, dy);
      const Viewport& v = window_.viewport();
      log::info("viewer: scrolled to {},{}", v.scroll_x, v.scroll_y);
      return true;
    }
  }
  if (e.type == SDL_KEYUP && plain_keys_local && (e.key.keysym.sym == SDLK_F11 || e.key.keysym.sym == SDLK_F8))
    return true;
  if (is_left_click(e) && window_.menu_button_at(e.button.x, e.button.y)) return open_menu(true), true;
  if (e.type == SDL_MOUSEBUTTONUP && window_.menu_button_at(e.button.x, e.button.y)) return true;
  if (e.type == SDL_MOUSEMOTION) {
    pointer_x_ = e.motion.x;
    pointer_y_ = e.motion.y;
    edge_pan();
  }
  // A window moved or resized under a resting pointer gets no motion event (X reports a crossing only when
  // the pointer leaves or enters it): the last motion's position is stale and may lie at an edge of the new
  // size while the pointer is nowhere near it. Unknown, so no panning, until the pointer moves again.
  const Uint8 change = e.type == SDL_WINDOWEVENT ? e.window.event : Uint8{SDL_WINDOWEVENT_NONE};
  if (change == SDL_WINDOWEVENT_LEAVE || change == SDL_WINDOWEVENT_MOVED || change == SDL_WINDOWEVENT_SIZE_CHANGED) {
    pointer_x_ = pointer_y_ = -1;
    edge_pan();
  }
  return false;  // motion still reaches the customer
}

// In 1:1, a pointer resting near an edge keeps panning: a timer wakes the loop while it is there.
void ViewerWindow::edge_pan() {
  const auto [dx, dy] = pointer_x_ < 0 || window_.menu_visible()
                            ? std::pair{0, 0}
                            : window_.viewport().edge_pan(pointer_x_, pointer_y_, kEdgeMargin, kEdgeStep);
  const Viewport& v = window_.viewport();
  if (dx == 0 && dy == 0) {
    if (pan_timer_ == 0) return;
    SDL_RemoveTimer(pan_timer_);
    pan_timer_ = 0;
    log::info("viewer: edge panning stopped at {},{}", v.scroll_x, v.scroll_y);
    return;
  }
  if (pan_timer_ == 0) {
    log::info("viewer: edge panning from {},{} (pointer at {},{} of {}x{})", v.scroll_x, v.scroll_y, pointer_x_,
              pointer_y_, v.window_width, v.window_height);
    pan_timer_ = SDL_AddTimer(kPanIntervalMs, pan_tick, &window_);
  }
  window_.scroll_by(dx, dy);
}

void ViewerWindow::toggle_fullscreen() {
  window_.set_fullscreen(!window_.fullscreen());
  remember();
}

void ViewerWindow::toggle_scale() {
  window_.toggle_scale_mode();
  remember();
}

std::string ViewerWindow::host_title() const {
  if (!shared_.host_who.empty()) return shared_.host_who;
  return shared_.host_name.empty() ? settings_.host_label : shared_.host_name;
}

// Once connected and the host's SessionInfo came (or will not come: an older host): its remembered scale
// and fullscreen (--scale wins for scale).
void ViewerWindow::apply_remembered() {
  if (remembered_applied_ || !shared_.connected || shared_.host_info_due) return;
  remembered_applied_ = true;
  const std::string key = view_key(shared_.host_key, settings_.address_key);
  const auto state = key.empty() ? std::nullopt : state_file_.find(key);
  if (!state) return;
  if (!settings_.scale_given) window_.set_scale_mode(state->one_to_one ? ScaleMode::one_to_one : ScaleMode::fit);
  if (state->fullscreen != window_.fullscreen()) window_.set_fullscreen(state->fullscreen);
  log::info("viewer: {} as last time: {}{}", key, state->one_to_one ? "1:1" : "fit",
            state->fullscreen ? ", fullscreen" : "");
}

void ViewerWindow::remember() {
  const std::string key = view_key(shared_.host_key, settings_.address_key);
  if (!shared_.connected || shared_.host_info_due || key.empty()) return;  // nothing (yet) to key it by
  const HostViewState state{window_.viewport().mode == ScaleMode::one_to_one, window_.fullscreen()};
  if (auto saved = state_file_.remember(key, state); !saved)
    log::warn("viewer: cannot remember the view for {}: {}", key, saved.error().detail);
}

void ViewerWindow::open_menu(bool open) {
  menu_open_ = open && !menu_open_;
  if (!menu_open_) return window_.hide_menu();
  menu_selected_ = -1;
  draw_menu();
  menu_selected_ = move_selection(menu_items_, -1, 1);
  draw_menu();
  const Rect r = window_.menu_rect();
  log::info("viewer: menu at {},{} {}x{}, {} items", r.x, r.y, r.width, r.height, menu_items_.size());
}

void ViewerWindow::draw_menu() {
  using namespace protocol::permission;
  const MenuContext context{!settings_.view_only && (shared_.granted & kControl) != 0,
                            (shared_.granted & kProbes) != 0,
                            mapper_.keyboard_grabbed(),
                            window_.viewport().mode == ScaleMode::one_to_one,
                            window_.fullscreen(),
                            window_.stats_visible(),
                            &shared_.monitors};
  menu_items_ = build_menu(context);
  std::vector<TextLine> lines;
  for (std::size_t i = 0; i < menu_items_.size(); ++i)
    lines.push_back({menu_items_[i].label, menu_items_[i].enabled ? text_colour::kNormal : text_colour::kDim, 0,
                     static_cast<int>(i) == menu_selected_});
  window_.show_menu(std::move(lines));
}

// While the menu is open it has the keyboard; a click outside it closes it and goes no further.
bool ViewerWindow::on_menu_event(const SDL_Event& e, bool& keep_running) {
  if (!menu_open_) return false;
  if (e.type == SDL_KEYDOWN) {
    const SDL_Keycode key = e.key.keysym.sym;
    if (key == SDLK_ESCAPE || key == SDLK_F8) open_menu(false);
    if (key == SDLK_UP || key == SDLK_DOWN) {
      menu_selected_ = move_selection(menu_items_, menu_selected_, key == SDLK_UP ? -1 : 1);
      draw_menu();
    }
    if ((key == SDLK_RETURN || key == SDLK_KP_ENTER || key == SDLK_SPACE) && menu_selected_ >= 0)
      keep_running = activate(menu_items_[static_cast<std::size_t>(menu_selected_)]);
    return true;
  }
  if (e.type == SDL_KEYUP || e.type == SDL_TEXTINPUT) return true;
  if (e.type == SDL_MOUSEMOTION) {
    const int at = window_.menu_item_at(e.motion.x, e.motion.y);
    if (at >= 0 && at != menu_selected_ && menu_items_[static_cast<std::size_t>(at)].enabled) {
      menu_selected_ = at;
      draw_menu();
    }
    return at >= 0;
  }
  if (e.type == SDL_MOUSEBUTTONDOWN) {
    const int at = window_.menu_item_at(e.button.x, e.button.y);
    if (at < 0) return open_menu(false), true;  // a click beside the menu closes it (the button too)
    if (e.button.button == SDL_BUTTON_LEFT && menu_items_[static_cast<std::size_t>(at)].enabled)
      keep_running = activate(menu_items_[static_cast<std::size_t>(at)]);
    return true;
  }
  if (e.type == SDL_MOUSEBUTTONUP || e.type == SDL_MOUSEWHEEL) return true;
  return false;
}

bool ViewerWindow::activate(const MenuItem& item) {
  if (!item.enabled) return true;
  open_menu(false);
  switch (item.action) {
    case MenuAction::send_ctrl_alt_del:
    case MenuAction::send_alt_tab:
    case MenuAction::send_super:
    case MenuAction::send_print:
      for (auto& m : key_combination(item.action)) network_.send(std::move(m));
      break;
    case MenuAction::keyboard_grab: mapper_.set_keyboard_grab(!mapper_.keyboard_grabbed()); break;
    case MenuAction::monitor: network_.send(protocol::MonitorSelect{static_cast<std::int16_t>(item.monitor)}); break;
    case MenuAction::scale_mode: toggle_scale(); break;
    case MenuAction::fullscreen: toggle_fullscreen(); break;
    case MenuAction::statistics: window_.show_stats(!window_.stats_visible()); break;
    case MenuAction::diagnostics: toggle_triage(); break;
    case MenuAction::chat: open_chat(); break;
    case MenuAction::status: show_session_status(); break;
    case MenuAction::end_session: return false;
    case MenuAction::none: break;
  }
  return true;
}

}  // namespace elfdesk::client
