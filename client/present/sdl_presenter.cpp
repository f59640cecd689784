#include "client/present/sdl_presenter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "client/present/sdl_handles.hpp"
#include "client/present/text_box.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

std::string window_title(const std::string& title) {
  return title.starts_with("elfdesk") ? title : "elfdesk \u2014 " + title;
}

std::vector<std::string> stats_lines(const PresenterStats& s) {
  return {fmt::format("{:5.1f} fps   {:7.0f} kbit/s", s.fps, s.kbit_per_s),
          fmt::format("rtt {:5.1f} ms   latency {:5.1f} ms", s.round_trip_ms, s.latency_ms),
          fmt::format("dropped {}", s.dropped_frames)};
}

}  // namespace

struct SdlPresenter::Impl {
  sdl::Subsystems subsystems;  // first: torn down last
  sdl::Ptr<SDL_Window> window;
  sdl::Ptr<SDL_Renderer> renderer;
  sdl::Ptr<TTF_Font> font;  // null when the font is missing: text is then skipped
  Uint32 wake_event = 0;
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stop_requested{false};

  sdl::Ptr<SDL_Texture> frame;
  Viewport viewport;
  sdl::Ptr<SDL_Texture> cursor;
  std::uint32_t cursor_serial = 0;
  SDL_Point cursor_size{0, 0}, cursor_hot{0, 0};
  protocol::CursorPosition cursor_position{0, 0, false};
  PresenterStats stats;
  bool stats_shown = false;
  TextBox stats_box, panel_box;
  bool panel_shown = false;
  bool dirty = true;
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
    dirty = true;
  }
  void clamp_scroll() {
    viewport.scroll_x = std::clamp(viewport.scroll_x, 0, std::max(0, viewport.remote_width - viewport.window_width));
    viewport.scroll_y =
        std::clamp(viewport.scroll_y, 0, std::max(0, viewport.remote_height - viewport.window_height));
  }
  void draw_cursor(const Rect& dest);
  bool dispatch(const SDL_Event& event, const PresenterLoop& loop);
};

void SdlPresenter::Impl::draw_cursor(const Rect& dest) {
  if (!cursor || !cursor_position.visible || viewport.remote_width <= 0) return;
  const double sx = static_cast<double>(dest.width) / viewport.remote_width;
  const double sy = static_cast<double>(dest.height) / viewport.remote_height;
  const SDL_Rect dst{dest.x + static_cast<int>((cursor_position.x - cursor_hot.x) * sx),
                     dest.y + static_cast<int>((cursor_position.y - cursor_hot.y) * sy),
                     std::max(1, static_cast<int>(cursor_size.x * sx)),
                     std::max(1, static_cast<int>(cursor_size.y * sy))};
  SDL_RenderCopy(renderer.get(), cursor.get(), nullptr, &dst);
}

bool SdlPresenter::Impl::dispatch(const SDL_Event& event, const PresenterLoop& loop) {
  if (event.type == wake_event) {
    wake_pending = false;  // before on_wake: a put() during on_wake must wake us again
    if (loop.on_wake) loop.on_wake();
    return true;
  }
  if (event.type == SDL_WINDOWEVENT && event.window.windowID == SDL_GetWindowID(window.get())) {
    if (event.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) update_window_size();
    else dirty = true;  // exposed, restored, ...: draw again
  }
  if (loop.on_event) return loop.on_event(&event);
  return event.type != SDL_QUIT;
}

std::expected<std::unique_ptr<SdlPresenter>, Error> SdlPresenter::create(PresenterOptions options) {
  sdl::Subsystems subsystems;
  if (!subsystems.start_video())
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("no display: {}", SDL_GetError())));
  // libvpx produces BT.601 limited range at every size. The mode is process-wide and SDL's automatic
  // mode would pick BT.709 for HD sizes, so pin it.
  SDL_SetYUVConversionMode(SDL_YUV_CONVERSION_BT601);
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
  impl->renderer.reset(SDL_CreateRenderer(impl->window.get(), -1, SDL_RENDERER_ACCELERATED));
  if (!impl->renderer) impl->renderer.reset(SDL_CreateRenderer(impl->window.get(), -1, SDL_RENDERER_SOFTWARE));
  if (!impl->renderer)
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("SDL renderer: {}", SDL_GetError())));
  impl->update_window_size();
  return std::unique_ptr<SdlPresenter>(new SdlPresenter(std::move(impl)));
}

SdlPresenter::SdlPresenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SdlPresenter::~SdlPresenter() = default;

void SdlPresenter::set_title(const std::string& title) {
  SDL_SetWindowTitle(impl_->window.get(), window_title(title).c_str());
}

std::expected<void, Error> SdlPresenter::set_frame(const I420Image& image) {
  Impl& s = *impl_;
  const auto luma = static_cast<std::size_t>(image.width) * image.height;
  const auto chroma = static_cast<std::size_t>(image.chroma_width()) * image.chroma_height();
  if (image.width <= 0 || image.height <= 0 || image.width > limits::kMaxScreenDimension ||
      image.height > limits::kMaxScreenDimension || image.y.size() < luma || image.u.size() < chroma ||
      image.v.size() < chroma)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "I420 image with inconsistent planes"));
  if (!s.frame || image.width != s.viewport.remote_width || image.height != s.viewport.remote_height) {
    s.frame.reset(SDL_CreateTexture(s.renderer.get(), SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                    image.width, image.height));
    if (!s.frame)
      return std::unexpected(make_error(ErrorCode::internal, fmt::format("SDL texture: {}", SDL_GetError())));
    SDL_SetTextureScaleMode(s.frame.get(), SDL_ScaleModeLinear);
    s.viewport.remote_width = image.width;
    s.viewport.remote_height = image.height;
    s.clamp_scroll();
  }
  if (SDL_UpdateYUVTexture(s.frame.get(), nullptr, image.y.data(), image.width, image.u.data(), image.chroma_width(),
                           image.v.data(), image.chroma_width()) != 0)
    return std::unexpected(make_error(ErrorCode::internal, fmt::format("SDL_UpdateYUVTexture: {}", SDL_GetError())));
  s.dirty = true;
  return {};
}

void SdlPresenter::set_cursor_shape(const protocol::CursorShape& shape) {
  Impl& s = *impl_;
  if (s.cursor && shape.serial == s.cursor_serial) return;
  const auto bytes = static_cast<std::size_t>(shape.width) * shape.height * 4;
  if (shape.width == 0 || shape.height == 0 || shape.width > limits::kMaxCursorDimension ||
      shape.height > limits::kMaxCursorDimension || shape.rgba.size() != bytes) {
    s.cursor.reset();  // a bad shape hides the cursor rather than showing garbage
  } else {
    s.cursor.reset(SDL_CreateTexture(s.renderer.get(), SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC,
                                     shape.width, shape.height));
    if (s.cursor) {
      SDL_UpdateTexture(s.cursor.get(), nullptr, shape.rgba.data(), shape.width * 4);
      SDL_SetTextureBlendMode(s.cursor.get(), SDL_BLENDMODE_BLEND);
    }
  }
  s.cursor_serial = shape.serial;
  s.cursor_size = {shape.width, shape.height};
  s.cursor_hot = {shape.hot_x, shape.hot_y};
  s.dirty = true;
}

void SdlPresenter::set_cursor_position(const protocol::CursorPosition& position) {
  if (position == impl_->cursor_position) return;
  impl_->cursor_position = position;
  impl_->dirty = true;
}

void SdlPresenter::set_local_cursor_visible(bool visible) { SDL_ShowCursor(visible ? SDL_ENABLE : SDL_DISABLE); }

void SdlPresenter::set_keyboard_grab(bool grabbed) {
  SDL_SetWindowKeyboardGrab(impl_->window.get(), grabbed ? SDL_TRUE : SDL_FALSE);
}

void SdlPresenter::set_scale_mode(ScaleMode mode) {
  impl_->viewport.mode = mode;
  impl_->dirty = true;
}

void SdlPresenter::toggle_scale_mode() {
  set_scale_mode(impl_->viewport.mode == ScaleMode::fit ? ScaleMode::one_to_one : ScaleMode::fit);
}

void SdlPresenter::scroll_by(int dx, int dy) {
  impl_->viewport.scroll_x += dx;
  impl_->viewport.scroll_y += dy;
  impl_->clamp_scroll();
  impl_->dirty = true;
}

const Viewport& SdlPresenter::viewport() const { return impl_->viewport; }

void SdlPresenter::set_stats(const PresenterStats& stats) {
  if (stats == impl_->stats) return;
  impl_->stats = stats;
  if (impl_->stats_box.set_lines(stats_lines(stats)) && impl_->stats_shown) impl_->dirty = true;
}

void SdlPresenter::show_stats(bool visible) {
  if (visible == impl_->stats_shown) return;
  impl_->stats_shown = visible;
  impl_->stats_box.set_lines(stats_lines(impl_->stats));
  impl_->dirty = true;
}

bool SdlPresenter::stats_visible() const { return impl_->stats_shown; }

void SdlPresenter::show_panel(std::vector<std::string> lines) {
  impl_->panel_box.set_lines(std::move(lines));
  impl_->panel_shown = true;
  impl_->dirty = true;
}

void SdlPresenter::hide_panel() {
  impl_->dirty = impl_->dirty || impl_->panel_shown;
  impl_->panel_shown = false;
}

void SdlPresenter::present() {
  Impl& s = *impl_;
  SDL_Renderer* r = s.renderer.get();
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
  SDL_SetRenderDrawColor(r, 0, 0, 0, 255);  // letterbox bars
  SDL_RenderClear(r);
  const Rect dest = s.viewport.destination();
  if (s.frame && !dest.empty()) {
    const SDL_Rect dst{dest.x, dest.y, dest.width, dest.height};
    SDL_RenderCopy(r, s.frame.get(), nullptr, &dst);
    s.draw_cursor(dest);
  }
  if (s.stats_shown) s.stats_box.draw(r, s.font.get(), 8, 8);
  if (s.panel_shown) {
    const SDL_Point size = s.panel_box.size(r, s.font.get());
    s.panel_box.draw(r, s.font.get(), std::max(0, (s.viewport.window_width - size.x) / 2),
                     std::max(0, (s.viewport.window_height - size.y) / 2));
  }
  SDL_RenderPresent(r);
  s.last_present_us = monotonic_us();
  ++s.presented;
  s.dirty = false;
}

std::uint64_t SdlPresenter::present_time_us() const { return impl_->last_present_us; }
std::uint64_t SdlPresenter::frames_presented() const { return impl_->presented; }

void SdlPresenter::run_loop(const PresenterLoop& loop) {
  Impl& s = *impl_;
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now() + loop.tick_interval;
  bool running = true;
  while (running && !s.stop_requested.load()) {
    if (s.dirty) present();
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
