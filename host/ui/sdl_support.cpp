#include "host/ui/sdl_support.hpp"

#include <fmt/format.h>

namespace elfdesk::host::sdl {

std::expected<Subsystems, Error> Subsystems::start() {
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("no display: {}", SDL_GetError())));
  if (TTF_Init() != 0) {
    std::string detail = fmt::format("SDL_ttf: {}", TTF_GetError());
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return std::unexpected(make_error(ErrorCode::unavailable, std::move(detail)));
  }
  Subsystems s;
  s.active_ = true;
  return s;
}

Subsystems::~Subsystems() {
  if (!active_) return;
  TTF_Quit();
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

std::expected<Ptr<TTF_Font>, Error> open_font(const char* path, int point_size) {
  Ptr<TTF_Font> font(TTF_OpenFont(path, point_size));
  if (!font)
    return std::unexpected(make_error(ErrorCode::unavailable, fmt::format("font {}: {}", path, TTF_GetError())));
  return font;
}

Rect draw_text(SDL_Renderer* renderer, TTF_Font* font, const std::string& text, SDL_Color color, int x, int y,
               Align align, int max_width) {
  if (text.empty()) return {};
  Ptr<SDL_Surface> surface(TTF_RenderUTF8_Blended(font, text.c_str(), color));
  if (!surface) return {};
  Ptr<SDL_Texture> texture(SDL_CreateTextureFromSurface(renderer, surface.get()));
  if (!texture) return {};
  int w = surface->w;
  int h = surface->h;
  if (max_width > 0 && w > max_width) {  // shrink rather than clip: every word must stay readable
    h = static_cast<int>(static_cast<long long>(h) * max_width / w);
    w = max_width;
  }
  const SDL_Rect dst{align == Align::center ? x - w / 2 : x, y, w, h};
  SDL_RenderCopy(renderer, texture.get(), nullptr, &dst);
  return {dst.x, dst.y, dst.w, dst.h};
}

}  // namespace elfdesk::host::sdl

#include <SDL_syswm.h>  // last: pulls in Xlib and its macros

unsigned long elfdesk::host::sdl::x11_window_of(SDL_Window* window) {
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (SDL_GetWindowWMInfo(window, &info) != SDL_TRUE || info.subsystem != SDL_SYSWM_X11) return 0;
  return info.info.x11.window;
}
