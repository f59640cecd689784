#include "client/present/sdl_presenter.hpp"

#include "client/decode/remote_picture.hpp"
#include "common/sdl/window_title.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <utility>

#include "client/present/sdl_handles.hpp"
#include "client/present/text_box.hpp"
#include "client/present/window_canvas.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

constexpr int kStatsMargin = 8;
// Beyond this many damaged rectangles one bounding rectangle is cheaper to draw and push.
constexpr std::size_t kMaxPushRects = 32;

std::string window_title(const std::string& title) {
  return title.starts_with("elfdesk") ? title : "elfdesk \u2014 " + title;
}

std::vector<std::string> stats_lines(const PresenterStats& s) {
  return {fmt::format("{:5.1f} fps   {:7.0f} kbit/s", s.fps, s.kbit_per_s),
          fmt::format("rtt {:5.1f} ms   latency ~{:5.1f} ms", s.round_trip_ms, s.latency_ms),
          fmt::format("decode {:4.1f} ms   present {:4.1f} ms", s.decode_ms, s.present_ms),
          fmt::format("dropped {}", s.dropped_frames)};
}

}  // namespace

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
  sdl::Ptr<SDL_Surface> cursor;
  std::uint32_t cursor_serial = 0;
  SDL_Point cursor_size{0, 0}, cursor_hot{0, 0};
  protocol::CursorPosition cursor_position{0, 0, false};
  PresenterStats stats;
  bool stats_shown = false;
  TextBox stats_box, panel_box;
  bool panel_shown = false;
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
  void update_window_size() {
    SDL_GetWindowSize(window.get(), &viewport.window_width, &viewport.window_height);
    clamp_scroll();
    everything = true;
  }
  void clamp_scroll() {
    viewport.scroll_x = std::clamp(viewport.scroll_x, 0, std::max(0, viewport.remote_width - viewport.window_width));
    viewport.scroll_y =
        std::clamp(viewport.scroll_y, 0, std::max(0, viewport.remote_height - viewport.window_height));
  }
  bool dirty() const { return everything || !damage.empty(); }
  void damage_window(const SDL_Rect& r) {
    if (r.w > 0 && r.h > 0) damage.push_back(r);
  }
  void damage_remote(const Rect& r);
  SDL_Rect cursor_rect() const;
  SDL_Rect stats_rect() {
    const SDL_Point size = stats_box.size(font.get());
    return {kStatsMargin, kStatsMargin, size.x, size.y};
  }
  SDL_Rect panel_rect() {
    const SDL_Point size = panel_box.size(font.get());
    return {std::max(0, (viewport.window_width - size.x) / 2), std::max(0, (viewport.window_height - size.y) / 2),
            size.x, size.y};
  }
  void paint(const SDL_Rect& area);
  bool dispatch(const SDL_Event& event, const PresenterLoop& loop);
};

// A changed remote area, in window pixels. Bilinear scaling lets each remote pixel reach about one
// scaled pixel beyond its own footprint, hence the margin.
void SdlPresenter::Impl::damage_remote(const Rect& r) {
  const Rect d = viewport.destination();
  if (d.empty()) return;
  const double sx = static_cast<double>(d.width) / viewport.remote_width;
  const double sy = static_cast<double>(d.height) / viewport.remote_height;
  const int margin = static_cast<int>(std::ceil(std::max(sx, sy))) + 1;
  const int x0 = d.x + static_cast<int>(std::floor(r.x * sx)) - margin;
  const int y0 = d.y + static_cast<int>(std::floor(r.y * sy)) - margin;
  const int x1 = d.x + static_cast<int>(std::ceil((r.x + r.width) * sx)) + margin;
  const int y1 = d.y + static_cast<int>(std::ceil((r.y + r.height) * sy)) + margin;
  damage_window({x0, y0, x1 - x0, y1 - y0});
}

SDL_Rect SdlPresenter::Impl::cursor_rect() const {
  const Rect dest = viewport.destination();
  if (!cursor || !cursor_position.visible || dest.empty()) return {0, 0, 0, 0};
  const double sx = static_cast<double>(dest.width) / viewport.remote_width;
  const double sy = static_cast<double>(dest.height) / viewport.remote_height;
  return {dest.x + static_cast<int>((cursor_position.x - cursor_hot.x) * sx),
          dest.y + static_cast<int>((cursor_position.y - cursor_hot.y) * sy),
          std::max(1, static_cast<int>(cursor_size.x * sx)), std::max(1, static_cast<int>(cursor_size.y * sy))};
}

// Draws every layer that touches `area`, bottom to top: picture (or black bars), cursor, stats, panel.
void SdlPresenter::Impl::paint(const SDL_Rect& area) {
  SDL_Surface* target = canvas.target();
  SDL_SetClipRect(target, &area);
  canvas.draw_picture(picture.pixels(), picture.width() > 0 ? viewport.destination() : Rect{});
  if (SDL_Rect dst = cursor_rect(); dst.w > 0) SDL_BlitScaled(cursor.get(), nullptr, target, &dst);
  if (stats_shown) stats_box.draw(target, font.get(), kStatsMargin, kStatsMargin);
  if (panel_shown) {
    const SDL_Rect at = panel_rect();
    panel_box.draw(target, font.get(), at.x, at.y);
  }
  SDL_SetClipRect(target, nullptr);
}

bool SdlPresenter::Impl::dispatch(const SDL_Event& event, const PresenterLoop& loop) {
  if (event.type == wake_event) {
    wake_pending = false;  // before on_wake: a put() during on_wake must wake us again
    if (loop.on_wake) loop.on_wake();
    return true;
  }
  if (event.type == SDL_WINDOWEVENT && event.window.windowID == SDL_GetWindowID(window.get())) {
    switch (event.window.event) {
      case SDL_WINDOWEVENT_SIZE_CHANGED: update_window_size(); break;
      case SDL_WINDOWEVENT_EXPOSED:
      case SDL_WINDOWEVENT_SHOWN:
      case SDL_WINDOWEVENT_RESTORED:
      case SDL_WINDOWEVENT_MAXIMIZED: everything = true; break;
      default: break;  // focus, enter, leave: nothing to draw
    }
  }
  if (loop.on_event) return loop.on_event(&event);
  return event.type != SDL_QUIT;
}

std::expected<std::unique_ptr<SdlPresenter>, Error> SdlPresenter::create(PresenterOptions options) {
  // The window surface must be plain shared memory pushed rectangle by rectangle; SDL would otherwise
  // back it with an OpenGL texture and redraw the whole window for every update.
  SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  // The click that focuses the viewer is the engineer's first click on the customer's screen: SDL would
  // drop it (a window manager focuses on click), so it must go through.
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  sdl::Subsystems subsystems;
  if (!subsystems.start_video())
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("no display: {}", SDL_GetError())));
  auto impl = std::make_unique<Impl>(std::move(subsystems));
  if (impl->subsystems.start_ttf()) {
    impl->font.reset(TTF_OpenFont(ELFDESK_MONO_FONT_PATH, 15));
    if (!impl->font) log::warn("presenter: font {}: {} (no overlay text)", ELFDESK_MONO_FONT_PATH, TTF_GetError());
  } else {
    log::warn("presenter: SDL_ttf: {} (no overlay text)", TTF_GetError());
  }
  impl->wake_event = SDL_RegisterEvents(1);
  if (impl->wake_event == static_cast<Uint32>(-1))
    return std::unexpected(make_error(ErrorCode::internal, "SDL_RegisterEvents failed"));
  impl->window.reset(SDL_CreateWindow(window_title(options.title).c_str(), SDL_WINDOWPOS_CENTERED,
                                      SDL_WINDOWPOS_CENTERED, options.width, options.height,
                                      SDL_WINDOW_SHOWN | SDL_WINDOW_RESIZABLE));
  if (!impl->window)
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("SDL window: {}", SDL_GetError())));
  elfdesk::sdl::set_window_title(impl->window.get(), window_title(options.title));
  impl->canvas = WindowCanvas(impl->window.get());
  if (!impl->canvas.begin())
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("SDL window surface: {}", SDL_GetError())));
  impl->update_window_size();
  return std::unique_ptr<SdlPresenter>(new SdlPresenter(std::move(impl)));
}

SdlPresenter::SdlPresenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SdlPresenter::~SdlPresenter() = default;

void SdlPresenter::set_title(const std::string& title) {
  elfdesk::sdl::set_window_title(impl_->window.get(), window_title(title));
}

std::expected<void, Error> SdlPresenter::set_frame(const I420Image& image, std::span<const Rect> coded,
                                                   std::span<const PictureCopy> copies) {
  Impl& s = *impl_;
  const auto luma = static_cast<std::size_t>(image.width) * image.height;
  const auto chroma = static_cast<std::size_t>(image.chroma_width()) * image.chroma_height();
  if (image.width <= 0 || image.height <= 0 || image.width > limits::kMaxScreenDimension ||
      image.height > limits::kMaxScreenDimension || image.y.size() < luma || image.u.size() < chroma ||
      image.v.size() < chroma)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "I420 image with inconsistent planes"));
  const std::vector<Rect> written = s.picture.apply(image, coded, copies);
  if (image.width != s.viewport.remote_width || image.height != s.viewport.remote_height) {
    s.viewport.remote_width = image.width;
    s.viewport.remote_height = image.height;
    s.clamp_scroll();
    s.everything = true;
  } else {
    for (const Rect& r : written) s.damage_remote(r);
  }
  return {};
}

std::expected<void, Error> SdlPresenter::set_pixels(const PixelsUpdate& update) {
  auto written = impl_->picture.apply(update);
  if (!written) return std::unexpected(written.error());
  for (const Rect& r : *written) impl_->damage_remote(r);
  return {};
}

void SdlPresenter::set_cursor_shape(const protocol::CursorShape& shape) {
  Impl& s = *impl_;
  if (s.cursor && shape.serial == s.cursor_serial) return;
  s.damage_window(s.cursor_rect());
  const auto bytes = static_cast<std::size_t>(shape.width) * shape.height * 4;
  if (shape.width == 0 || shape.height == 0 || shape.width > limits::kMaxCursorDimension ||
      shape.height > limits::kMaxCursorDimension || shape.rgba.size() != bytes) {
    s.cursor.reset();  // a bad shape hides the cursor rather than showing garbage
  } else {
    s.cursor.reset(SDL_CreateRGBSurfaceWithFormat(0, shape.width, shape.height, 32, SDL_PIXELFORMAT_RGBA32));
    if (s.cursor) {
      for (int y = 0; y < shape.height; ++y)
        std::memcpy(static_cast<std::uint8_t*>(s.cursor->pixels) + static_cast<std::ptrdiff_t>(y) * s.cursor->pitch,
                    shape.rgba.data() + static_cast<std::size_t>(y) * shape.width * 4,
                    static_cast<std::size_t>(shape.width) * 4);
      SDL_SetSurfaceBlendMode(s.cursor.get(), SDL_BLENDMODE_BLEND);
    }
  }
  s.cursor_serial = shape.serial;
  s.cursor_size = {shape.width, shape.height};
  s.cursor_hot = {shape.hot_x, shape.hot_y};
  s.damage_window(s.cursor_rect());
}

void SdlPresenter::set_cursor_position(const protocol::CursorPosition& position) {
  if (position == impl_->cursor_position) return;
  impl_->damage_window(impl_->cursor_rect());
  impl_->cursor_position = position;
  impl_->damage_window(impl_->cursor_rect());
}

void SdlPresenter::set_local_cursor_visible(bool visible) { SDL_ShowCursor(visible ? SDL_ENABLE : SDL_DISABLE); }

void SdlPresenter::set_keyboard_grab(bool grabbed) {
  SDL_SetWindowKeyboardGrab(impl_->window.get(), grabbed ? SDL_TRUE : SDL_FALSE);
}

void SdlPresenter::set_scale_mode(ScaleMode mode) {
  impl_->viewport.mode = mode;
  impl_->everything = true;
}

void SdlPresenter::toggle_scale_mode() {
  set_scale_mode(impl_->viewport.mode == ScaleMode::fit ? ScaleMode::one_to_one : ScaleMode::fit);
}

void SdlPresenter::scroll_by(int dx, int dy) {
  impl_->viewport.scroll_x += dx;
  impl_->viewport.scroll_y += dy;
  impl_->clamp_scroll();
  impl_->everything = true;
}

const BgraImage& SdlPresenter::picture() const { return impl_->picture.pixels(); }

const Viewport& SdlPresenter::viewport() const { return impl_->viewport; }

void SdlPresenter::set_stats(const PresenterStats& stats) {
  Impl& s = *impl_;
  if (stats == s.stats) return;
  s.stats = stats;
  const SDL_Rect before = s.stats_rect();
  if (s.stats_box.set_lines(stats_lines(stats)) && s.stats_shown) {
    s.damage_window(before);
    s.damage_window(s.stats_rect());
  }
}

void SdlPresenter::show_stats(bool visible) {
  Impl& s = *impl_;
  if (visible == s.stats_shown) return;
  s.damage_window(s.stats_rect());
  s.stats_shown = visible;
  s.stats_box.set_lines(stats_lines(s.stats));
  s.damage_window(s.stats_rect());
}

bool SdlPresenter::stats_visible() const { return impl_->stats_shown; }

void SdlPresenter::show_panel(std::vector<std::string> lines) {
  Impl& s = *impl_;
  if (s.panel_shown) s.damage_window(s.panel_rect());
  s.panel_box.set_lines(std::move(lines));
  s.panel_shown = true;
  s.damage_window(s.panel_rect());
}

void SdlPresenter::hide_panel() {
  Impl& s = *impl_;
  if (!s.panel_shown) return;
  s.damage_window(s.panel_rect());
  s.panel_shown = false;
}

// Redraws what changed since the last call and pushes just those rectangles to the window.
void SdlPresenter::present() {
  Impl& s = *impl_;
  if (!s.dirty()) return;
  if (!s.canvas.begin()) {
    if (!std::exchange(s.surface_error_logged, true)) log::warn("presenter: window surface: {}", SDL_GetError());
    return;
  }
  const SDL_Rect window{0, 0, s.canvas.width(), s.canvas.height()};
  std::vector<SDL_Rect> rects;
  if (s.everything) {
    rects.push_back(window);
  } else {
    for (const SDL_Rect& r : s.damage)
      if (SDL_Rect visible; SDL_IntersectRect(&r, &window, &visible)) rects.push_back(visible);
  }
  if (rects.size() > kMaxPushRects) {
    SDL_Rect all = rects.front();
    for (const SDL_Rect& r : rects) SDL_UnionRect(&all, &r, &all);
    rects = {all};
  }
  for (const SDL_Rect& r : rects) s.paint(r);
  s.canvas.push(rects);
  s.damage.clear();
  s.everything = false;
  s.last_present_us = monotonic_us();
  ++s.presented;
}

std::uint64_t SdlPresenter::present_time_us() const { return impl_->last_present_us; }
std::uint64_t SdlPresenter::frames_presented() const { return impl_->presented; }

void SdlPresenter::run_loop(const PresenterLoop& loop) {
  Impl& s = *impl_;
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now() + loop.tick_interval;
  bool running = true;
  while (running && !s.stop_requested.load()) {
    if (s.dirty()) present();
    int timeout_ms = -1;
    if (loop.on_tick) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    SDL_Event event;
    if (SDL_WaitEventTimeout(&event, timeout_ms) != 0) {
      do running = s.dispatch(event, loop);
      while (running && SDL_PollEvent(&event) != 0);
      if (running && loop.on_drained) loop.on_drained();
    }
    if (loop.on_tick && Clock::now() >= next_tick) {
      loop.on_tick();
      next_tick = Clock::now() + loop.tick_interval;
    }
  }
  s.stop_requested = false;
}

void SdlPresenter::wake() { impl_->wake(); }

void SdlPresenter::stop() {
  impl_->stop_requested = true;
  impl_->wake();
}

std::function<void()> SdlPresenter::waker() {
  return [impl = impl_.get()] { impl->wake(); };
}

std::uint32_t SdlPresenter::sdl_window_id() const { return SDL_GetWindowID(impl_->window.get()); }

}  // namespace elfdesk::client

#include <SDL_syswm.h>  // last: Xlib's macros (CursorShape, None, ...) would clash with the code above

unsigned long elfdesk::client::SdlPresenter::x11_window() const {
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (SDL_GetWindowWMInfo(impl_->window.get(), &info) != SDL_TRUE || info.subsystem != SDL_SYSWM_X11) return 0;
  return info.info.x11.window;
}
