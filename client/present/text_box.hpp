// Internal to client/present: a block of text lines on a translucent box (stats overlay, panel), rendered
// once per change into one surface with alpha and blended onto the window from there. Main thread.
#pragma once
#include <string>
#include <vector>

#include "client/present/sdl_handles.hpp"

namespace elfdesk::client {

class TextBox {
 public:
  // Returns true when the lines differ from the current ones (the caller redraws then).
  bool set_lines(std::vector<std::string> lines);
  const std::vector<std::string>& lines() const { return lines_; }
  // Outer size of the box in pixels; renders the lines if they changed. {0,0} without a font.
  SDL_Point size(TTF_Font* font);
  // Blends the box onto `target` with its top-left at (x, y), within the target's clip rectangle.
  void draw(SDL_Surface* target, TTF_Font* font, int x, int y);

 private:
  static constexpr int kPadding = 8;
  void render(TTF_Font* font);

  std::vector<std::string> lines_;
  bool stale_ = true;
  sdl::Ptr<SDL_Surface> box_;
};

}  // namespace elfdesk::client
