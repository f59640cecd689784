// Internal to host/ui (includes SDL, so only .cpp files here may include it): RAII owners for SDL
// handles, the video/TTF subsystem lifetime, and drawing of one line of UTF-8 text. UI thread only.
#pragma once
#include <SDL.h>
#include <SDL_ttf.h>

#include "common/sdl/sdl_ptr.hpp"

#include <expected>
#include <memory>
#include <string>
#include <utility>

#include "common/image.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host::sdl {

using elfdesk::sdl::Deleter;
using elfdesk::sdl::Ptr;

// Holds SDL's video subsystem and SDL_ttf initialised (both are reference counted by SDL).
class Subsystems {
 public:
  static std::expected<Subsystems, Error> start();
  Subsystems(Subsystems&& other) noexcept : active_(std::exchange(other.active_, false)) {}
  Subsystems& operator=(Subsystems&&) = delete;
  ~Subsystems();

 private:
  Subsystems() = default;
  bool active_ = false;
};

std::expected<Ptr<TTF_Font>, Error> open_font(const char* path, int point_size);

enum class Align { left, center };

// Draws `text` with its top edge at y; x is the left edge or the centre. Text wider than max_width is
// scaled down to fit. Returns the rectangle drawn (empty when the text is empty or rendering failed).
Rect draw_text(SDL_Renderer* renderer, TTF_Font* font, const std::string& text, SDL_Color color, int x, int y,
               Align align, int max_width);

inline SDL_Rect to_sdl(const Rect& r) { return SDL_Rect{r.x, r.y, r.width, r.height}; }

}  // namespace elfdesk::host::sdl

namespace elfdesk::host::sdl {
// The X11 window id behind an SDL window (for tests and diagnostics); 0 when not on X11.
unsigned long x11_window_of(SDL_Window* window);
}  // namespace elfdesk::host::sdl
