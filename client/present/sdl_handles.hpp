// Internal to client/present (includes SDL: .cpp files only): RAII owners for SDL handles and the
// lifetime of SDL's video subsystem and SDL_ttf. Main thread.
#pragma once
#include <SDL.h>
#include <SDL_ttf.h>

#include "common/sdl/sdl_ptr.hpp"

#include <memory>
#include <utility>

namespace elfdesk::client::sdl {

using elfdesk::sdl::Deleter;
using elfdesk::sdl::Ptr;

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
