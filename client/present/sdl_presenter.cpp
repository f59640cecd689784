#include "client/present/sdl_presenter.hpp"

#include "common/sdl/window_title.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <utility>

#include "client/present/presenter_impl.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

// Beyond this many damaged rectangles one bounding rectangle is cheaper to draw and push.
constexpr std::size_t kMaxPushRects = 32;

std::string window_title(const std::string& title) {
  return title.starts_with("elfdesk") ? title : "elfdesk \u2014 " + title;
}

}  // namespace

void SdlPresenter::Impl::update_window_size() {
  SDL_GetWindowSize(window.get(), &viewport.window_width, &viewport.window_height);
  viewport.clamp_scroll();
  layout_overlays();
  everything = true;
}

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

// Draws every layer that touches `area`, bottom to top: picture (or black bars), cursor, overlays.
void SdlPresenter::Impl::paint(const SDL_Rect& area) {
  SDL_Surface* target = canvas.target();
  SDL_SetClipRect(target, &area);
  canvas.draw_picture(picture.pixels(), picture.width() > 0 ? viewport.destination() : Rect{});
  if (SDL_Rect dst = cursor_rect(); dst.w > 0) SDL_BlitScaled(cursor.get(), nullptr, target, &dst);
  paint_overlays();
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
    s.viewport.clamp_scroll();
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

bool SdlPresenter::scroll_by(int dx, int dy) {
  if (impl_->viewport.mode != ScaleMode::one_to_one || !impl_->viewport.scroll_by(dx, dy)) return false;
  impl_->everything = true;
  return true;
}

void SdlPresenter::set_fullscreen(bool on) {
  if (SDL_SetWindowFullscreen(impl_->window.get(), on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0) {
    log::warn("presenter: fullscreen: {}", SDL_GetError());
    return;
  }
  impl_->fullscreen = on;
  impl_->update_window_size();
}

bool SdlPresenter::fullscreen() const { return impl_->fullscreen; }

const BgraImage& SdlPresenter::picture() const { return impl_->picture.pixels(); }

const Viewport& SdlPresenter::viewport() const { return impl_->viewport; }

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
