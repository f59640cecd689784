// RAII owners for SDL and SDL_ttf handles, shared by the host's consent window and the viewer.
// Includes SDL: only .cpp files (and internal headers of SDL-based components) may include it.
#pragma once
#include <SDL.h>
#include <SDL_ttf.h>

#include <memory>

namespace elfdesk::sdl {

struct Deleter {
  void operator()(SDL_Window* p) const { SDL_DestroyWindow(p); }
  void operator()(SDL_Renderer* p) const { SDL_DestroyRenderer(p); }
  void operator()(SDL_Texture* p) const { SDL_DestroyTexture(p); }
  void operator()(SDL_Surface* p) const { SDL_FreeSurface(p); }
  void operator()(TTF_Font* p) const { TTF_CloseFont(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Deleter>;

}  // namespace elfdesk::sdl
