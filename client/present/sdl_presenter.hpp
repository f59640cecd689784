// The engineer's viewer window (SDL2): draws the latest remote picture scaled by a Viewport, the remote
// cursor, a stats overlay and a text panel, redrawing only what changed, and runs the SDL event loop for
// the viewer. Created, used and destroyed on the main thread; only wake(), waker() and stop() may be called
// from other threads. Owns its window and surfaces; SDL's video subsystem stays initialised while it lives.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "client/decode/picture_update.hpp"
#include "client/input/viewport.hpp"
#include "client/present/text_line.hpp"
#include "common/image.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

// Filled by the viewer (it knows the network and the clocks); shown by the overlay.
struct PresenterStats {
  double fps = 0;
  double kbit_per_s = 0;
  double round_trip_ms = 0;
  double latency_ms = 0;  // capture on the host to present here (estimated: the clocks are not shared)
  std::uint64_t dropped_frames = 0;
  double decode_ms = 0;   // receipt to decoded, newest picture shown
  double present_ms = 0;  // decoded to on screen, newest picture shown
  // The host's newest path estimate (protocol::PathReport); no line while has_path is false.
  bool has_path = false;
  double path_rtt_ms = 0, path_queue_ms = 0;
  std::uint32_t path_kbps = 0, path_target_kbps = 0, path_frames_in_flight = 0, path_bytes_in_flight = 0;
  friend bool operator==(const PresenterStats&, const PresenterStats&) = default;
};

struct PresenterOptions {
  std::string title = "elfdesk";  // a title not starting with "elfdesk" gets it as a prefix
  int width = 1280;
  int height = 720;
};

// What run_loop() calls, all on the main thread. `sdl_event` points to the SDL_Event being handled
// (the input mapper casts it back); returning false ends the loop. Without on_event, SDL_QUIT ends it.
struct PresenterLoop {
  std::function<bool(const void* sdl_event)> on_event;
  std::function<void()> on_wake;  // after wake(): e.g. take from the UpdateQueue and show_pictures()
  std::function<void()> on_drained;  // after each batch of events, once the queue is empty
  std::function<void()> on_tick;  // every tick_interval (stats refresh); none when unset
  std::chrono::milliseconds tick_interval{1000};
};

class SdlPresenter {
 public:
  // Fails with ErrorCode::unavailable when there is no display. A missing font only disables text.
  static std::expected<std::unique_ptr<SdlPresenter>, Error> create(PresenterOptions options);
  ~SdlPresenter();
  SdlPresenter(const SdlPresenter&) = delete;
  SdlPresenter& operator=(const SdlPresenter&) = delete;

  void set_title(const std::string& title);
  // Moves `copies` of what is shown (a scroll), then takes a decoded picture inside `coded` (empty: all of
  // it); only those areas are converted and redrawn.
  // The remote size may change from frame to frame (a new size takes the whole picture).
  std::expected<void, Error> set_frame(const I420Image& image, std::span<const Rect> coded = {},
                                       std::span<const PictureCopy> copies = {});
  // Exact pixels for some rectangles of the current picture; fails, changing nothing, if they do not fit it.
  std::expected<void, Error> set_pixels(const PixelsUpdate& update);
  void set_cursor_shape(const protocol::CursorShape& shape);  // re-uploaded only when the serial changes
  void set_cursor_position(const protocol::CursorPosition& position);
  void set_local_cursor_visible(bool visible);  // hide ours while the remote one is drawn
  void set_keyboard_grab(bool grabbed);         // system shortcuts (Alt+Tab) go to the window while grabbed

  void set_scale_mode(ScaleMode mode);
  void toggle_scale_mode();
  bool scroll_by(int dx, int dy);  // one_to_one only; clamped to the picture; true when the view moved
  void set_fullscreen(bool on);    // SDL_WINDOW_FULLSCREEN_DESKTOP: the whole monitor, no mode change
  bool fullscreen() const;
  const Viewport& viewport() const;  // for mapping window coordinates to remote pixels
  const BgraImage& picture() const;   // the remote picture as composed so far (recording), without the cursor

  // Overlays, all opaque, drawn over the picture: statistics (top left), a panel (centred; long lines
  // wrap, more rows than fit scroll), the menu button and the menu (top right). presenter_overlays.cpp.
  void set_stats(const PresenterStats& stats);
  void show_stats(bool visible);
  bool stats_visible() const;
  void show_panel(std::vector<std::string> lines);  // e.g. status; replaces the previous panel
  void show_panel(std::vector<TextLine> lines);     // with colours (findings by severity) and indents
  void hide_panel();
  bool panel_visible() const;
  bool scroll_panel(int rows);  // negative: up; true when it moved
  int panel_page_rows() const;  // rows shown at once (PgUp/PgDn)
  int panel_rows() const;       // rows after wrapping its lines
  void show_menu_button(bool visible);
  void show_menu(std::vector<TextLine> items);  // one row per item (items must not wrap)
  void hide_menu();
  bool menu_visible() const;
  // Hit tests in window pixels: the index of the menu item or panel line there, -1 outside; the button.
  int menu_item_at(int x, int y) const;
  int panel_line_at(int x, int y) const;
  bool panel_contains(int x, int y) const;
  bool menu_button_at(int x, int y) const;
  // Where the menu and the panel are drawn (x, y, width, height; empty when hidden): logged for tests.
  Rect menu_rect() const;
  Rect panel_rect() const;

  // Draws what changed since the last call (nothing if nothing did). run_loop() calls this itself.
  void present();
  std::uint64_t present_time_us() const;  // monotonic_us() after the last present; 0 before any
  std::uint64_t frames_presented() const;

  // Runs until a handler returns false or stop() is called; blocks in SDL_WaitEventTimeout (no polling).
  void run_loop(const PresenterLoop& loop);
  void wake();  // any thread: on_wake() runs soon on the main thread (coalesced)
  void stop();  // any thread
  std::function<void()> waker();  // any thread; valid while the presenter lives

  std::uint32_t sdl_window_id() const;  // to match SDL events' windowID
  unsigned long x11_window() const;     // 0 when SDL does not run on X11

  struct Impl;

 private:
  explicit SdlPresenter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk::client
