// Internal to client/present (includes SDL: .cpp files only): RAII owners for SDL handles and the
// lifetime of SDL's video subsystem and SDL_ttf. Main thread.
#pragma once
#include <SDL.h>
#include <SDL_ttf.h>

#include <memory>
#include <utility>

namespace elfdesk::client::sdl {

struct Deleter {
  void operator()(SDL_Window* p) const { SDL_DestroyWindow(p); }
  void operator()(SDL_Renderer* p) const { SDL_DestroyRenderer(p); }
  void operator()(SDL_Texture* p) const { SDL_DestroyTexture(p); }
  void operator()(SDL_Surface* p) const { SDL_FreeSurface(p); }
  void operator()(TTF_Font* p) const { TTF_CloseFont(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Deleter>;

// SDL video (reference counted by SDL) and, when it started, SDL_ttf.
class Subsystems {
 public:
  Subsystems() = default;
  Subsystems(Subsystems&& o) noexcept : video_(std::exchange(o.video_, false)), ttf_(std::exchange(o.ttf_, false)) {}
  Subsystems& operator=(Subsystems&&) = delete;
  ~Subsystems() {
    if (ttf_) TTF_Quit();
    if (video_) SDL_QuitSubSystem(SDL_INIT_VIDEO);
  }
  bool start_video() { return video_ = SDL_InitSubSystem(SDL_INIT_VIDEO) == 0; }
  bool start_ttf() { return ttf_ = TTF_Init() == 0; }

 private:
  bool video_ = false;
  bool ttf_ = false;
};

}  // namespace elfdesk::client::sdl
