// SdlPresenter's overlays (main thread): statistics, the panel, the menu button and the menu. Each is an
// opaque TextBox at a place derived from the window size; changing one redraws only where it was and is.
#include <fmt/format.h>

#include <algorithm>

#include "client/present/presenter_impl.hpp"

namespace elfdesk::client {
namespace {

constexpr int kMargin = 8;        // from the window's edges
constexpr int kPanelMaxWidth = 1100;
const char* kMenuButton = "\u2261 F8";  // "≡": small, so it hides little of the picture

std::vector<std::string> stats_lines(const PresenterStats& s) {
  std::vector<std::string> lines{fmt::format("{:5.1f} fps   {:7.0f} kbit/s", s.fps, s.kbit_per_s),
                                 fmt::format("rtt {:5.1f} ms   latency ~{:5.1f} ms", s.round_trip_ms, s.latency_ms),
                                 fmt::format("decode {:4.1f} ms   present {:4.1f} ms", s.decode_ms, s.present_ms),
                                 fmt::format("dropped {}", s.dropped_frames)};
  // What the host believes about the path: the queue is what keystrokes wait behind.
  if (s.has_path)
    lines.push_back(fmt::format("path: RTT {:.1f} ms, {} kbit/s, target {}, queue {:.1f} ms, in flight {} ({} kB)",
                                s.path_rtt_ms, s.path_kbps, s.path_target_kbps, s.path_queue_ms,
                                s.path_frames_in_flight, (s.path_bytes_in_flight + 999) / 1000));
  return lines;
}

Rect to_rect(const SDL_Rect& r) { return {r.x, r.y, r.w, r.h}; }

bool inside(const SDL_Rect& r, int x, int y) { return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h; }

}  // namespace

SDL_Rect SdlPresenter::Impl::rect_of(Overlay& o) {
  if (!o.shown) return {0, 0, 0, 0};
  const SDL_Point size = o.box.size(font.get());
  const int w = viewport.window_width, h = viewport.window_height;
  if (&o == &stats_overlay) return {kMargin, kMargin, size.x, size.y};
  if (&o == &panel) return {std::max(0, (w - size.x) / 2), std::max(0, (h - size.y) / 2), size.x, size.y};
  const SDL_Point button = menu_button.box.size(font.get());
  if (&o == &menu_button) return {std::max(0, w - button.x - 2), 2, button.x, button.y};
  return {std::max(0, w - size.x - 2), button.y + 4, size.x, size.y};  // the menu, under its button
}

void SdlPresenter::Impl::layout_overlays() {
  const int w = viewport.window_width, h = viewport.window_height;
  panel.box.set_limits(std::min(kPanelMaxWidth, std::max(200, w - 4 * kMargin)), std::max(80, h - 4 * kMargin));
  stats_overlay.box.set_limits(std::max(100, w - 2 * kMargin), std::max(40, h - 2 * kMargin));
  const int button_h = menu_button.box.size(font.get()).y;
  menu.box.set_limits(std::max(100, w - 4), std::max(60, h - button_h - 8));
}

void SdlPresenter::Impl::paint_overlays() {
  for (Overlay* o : {&stats_overlay, &panel, &menu_button, &menu}) {
    if (!o->shown) continue;
    const SDL_Rect at = rect_of(*o);
    o->box.draw(canvas.target(), font.get(), at.x, at.y);
  }
}

void SdlPresenter::set_stats(const PresenterStats& stats) {
  Impl& s = *impl_;
  if (stats == s.stats) return;
  s.stats = stats;
  s.change(s.stats_overlay, [&](Overlay& o) { o.box.set_lines(stats_lines(stats)); });
}

void SdlPresenter::show_stats(bool visible) {
  Impl& s = *impl_;
  if (visible == s.stats_overlay.shown) return;
  s.change(s.stats_overlay, [&](Overlay& o) {
    o.shown = visible;
    o.box.set_lines(stats_lines(s.stats));
  });
}

bool SdlPresenter::stats_visible() const { return impl_->stats_overlay.shown; }

void SdlPresenter::show_panel(std::vector<std::string> lines) {
  impl_->change(impl_->panel, [&](Overlay& o) {
    o.box.set_lines(lines);
    o.shown = true;
  });
}

void SdlPresenter::show_panel(std::vector<TextLine> lines) {
  impl_->change(impl_->panel, [&](Overlay& o) {
    o.box.set_lines(std::move(lines));
    o.shown = true;
  });
}

void SdlPresenter::hide_panel() {
  impl_->change(impl_->panel, [](Overlay& o) { o.shown = false; });
}

bool SdlPresenter::panel_visible() const { return impl_->panel.shown; }

bool SdlPresenter::scroll_panel(int rows) {
  Impl& s = *impl_;
  if (!s.panel.shown) return false;
  bool moved = false;
  s.change(s.panel, [&](Overlay& o) { moved = o.box.scroll(s.font.get(), rows); });
  return moved;
}

int SdlPresenter::panel_page_rows() const { return impl_->panel.box.visible_rows(impl_->font.get()); }
int SdlPresenter::panel_rows() const { return impl_->panel.box.row_count(impl_->font.get()); }

void SdlPresenter::show_menu_button(bool visible) {
  Impl& s = *impl_;
  s.change(s.menu_button, [&](Overlay& o) {
    o.box.set_lines(std::vector<std::string>{kMenuButton});
    o.shown = visible;
  });
  s.layout_overlays();
}

void SdlPresenter::show_menu(std::vector<TextLine> items) {
  impl_->change(impl_->menu, [&](Overlay& o) {
    o.box.set_lines(std::move(items));
    o.shown = true;
  });
}

void SdlPresenter::hide_menu() {
  impl_->change(impl_->menu, [](Overlay& o) { o.shown = false; });
}

bool SdlPresenter::menu_visible() const { return impl_->menu.shown; }

int SdlPresenter::menu_item_at(int x, int y) const {
  Impl& s = *impl_;
  const SDL_Rect r = s.rect_of(s.menu);
  return inside(r, x, y) ? s.menu.box.line_at(s.font.get(), x - r.x, y - r.y) : -1;
}

int SdlPresenter::panel_line_at(int x, int y) const {
  Impl& s = *impl_;
  const SDL_Rect r = s.rect_of(s.panel);
  return inside(r, x, y) ? s.panel.box.line_at(s.font.get(), x - r.x, y - r.y) : -1;
}

bool SdlPresenter::panel_contains(int x, int y) const { return inside(impl_->rect_of(impl_->panel), x, y); }

bool SdlPresenter::menu_button_at(int x, int y) const { return inside(impl_->rect_of(impl_->menu_button), x, y); }

Rect SdlPresenter::menu_rect() const { return to_rect(impl_->rect_of(impl_->menu)); }
Rect SdlPresenter::panel_rect() const { return to_rect(impl_->rect_of(impl_->panel)); }

}  // namespace elfdesk::client
