// Internal to client/present: SdlPresenter's state, shared by sdl_presenter.cpp (picture, cursor, loop)
// and presenter_overlays.cpp (stats, panel, menu and its button). Main thread, like the presenter.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "client/decode/remote_picture.hpp"
#include "client/present/sdl_handles.hpp"
#include "client/present/sdl_presenter.hpp"
#include "client/present/text_box.hpp"
#include "client/present/window_canvas.hpp"

namespace elfdesk::client {

struct Overlay {
  TextBox box;
  bool shown = false;
};

struct SdlPresenter::Impl {
  sdl::Subsystems subsystems;  // first: torn down last
  sdl::Ptr<SDL_Window> window;
  WindowCanvas canvas{nullptr};
  sdl::Ptr<TTF_Font> font;  // null when the font is missing: text is then skipped
  Uint32 wake_event = 0;
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stop_requested{false};

  RemotePicture picture;
  Viewport viewport;
  bool fullscreen = false;
  sdl::Ptr<SDL_Surface> cursor;
  std::uint32_t cursor_serial = 0;
  SDL_Point cursor_size{0, 0}, cursor_hot{0, 0};
  protocol::CursorPosition cursor_position{0, 0, false};
  PresenterStats stats;
  // Drawn in this order over the picture (the last on top).
  Overlay stats_overlay, panel, menu_button, menu;
  // What the next present() redraws: everything, or only these window rectangles.
  bool everything = true;
  std::vector<SDL_Rect> damage;
  bool surface_error_logged = false;
  std::uint64_t last_present_us = 0;
  std::uint64_t presented = 0;

  explicit Impl(sdl::Subsystems s) : subsystems(std::move(s)) {}

  void wake() {
    if (wake_pending.exchange(true)) return;
    SDL_Event event{};
    event.type = wake_event;
    SDL_PushEvent(&event);
  }
  void update_window_size();
  bool dirty() const { return everything || !damage.empty(); }
  void damage_window(const SDL_Rect& r) {
    if (r.w > 0 && r.h > 0) damage.push_back(r);
  }
  void damage_remote(const Rect& r);
  SDL_Rect cursor_rect() const;
  // Where an overlay is drawn (window pixels); empty when hidden. presenter_overlays.cpp.
  SDL_Rect rect_of(Overlay& overlay);
  void layout_overlays();  // after a resize: each overlay's size limits
  // Runs `change` on `overlay`, redrawing where it was and where it is afterwards.
  template <typename F>
  void change(Overlay& overlay, F&& change) {
    damage_window(rect_of(overlay));
    change(overlay);
    damage_window(rect_of(overlay));
  }
  void paint_overlays();
  void paint(const SDL_Rect& area);
  bool dispatch(const SDL_Event& event, const PresenterLoop& loop);
};

}  // namespace elfdesk::client
