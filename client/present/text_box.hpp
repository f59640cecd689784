// Internal to client/present: a block of text lines on a translucent box (stats overlay, panel).
// Line textures are rendered once per change, not per frame. Main thread; includes SDL.
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
  SDL_Point size(SDL_Renderer* renderer, TTF_Font* font);
  void draw(SDL_Renderer* renderer, TTF_Font* font, int x, int y);

 private:
  static constexpr int kPadding = 8;
  void render(SDL_Renderer* renderer, TTF_Font* font);

  std::vector<std::string> lines_;
  bool stale_ = true;
  std::vector<sdl::Ptr<SDL_Texture>> textures_;
  std::vector<SDL_Point> sizes_;
  SDL_Point box_{0, 0};
  int line_height_ = 0;
};

}  // namespace elfdesk::client
