#include "client/present/text_box.hpp"

#include <algorithm>

namespace elfdesk::client {

bool TextBox::set_lines(std::vector<std::string> lines) {
  if (lines == lines_) return false;
  lines_ = std::move(lines);
  stale_ = true;
  return true;
}

void TextBox::render(SDL_Renderer* renderer, TTF_Font* font) {
  textures_.clear();
  sizes_.clear();
  box_ = {0, 0};
  stale_ = false;
  if (font == nullptr || lines_.empty()) return;
  const int line_height = TTF_FontLineSkip(font);
  line_height_ = line_height;
  for (const std::string& line : lines_) {
    SDL_Point sz{0, line_height};
    sdl::Ptr<SDL_Texture> texture;
    if (!line.empty()) {
      sdl::Ptr<SDL_Surface> surface(TTF_RenderUTF8_Blended(font, line.c_str(), SDL_Color{235, 235, 235, 255}));
      if (surface) {
        texture.reset(SDL_CreateTextureFromSurface(renderer, surface.get()));
        sz = {surface->w, surface->h};
      }
    }
    box_.x = std::max(box_.x, sz.x);
    box_.y += line_height;
    textures_.push_back(std::move(texture));
    sizes_.push_back(sz);
  }
  box_.x += 2 * kPadding;
  box_.y += 2 * kPadding;
}

SDL_Point TextBox::size(SDL_Renderer* renderer, TTF_Font* font) {
  if (stale_) render(renderer, font);
  return box_;
}

void TextBox::draw(SDL_Renderer* renderer, TTF_Font* font, int x, int y) {
  const SDL_Point outer = size(renderer, font);
  if (outer.x == 0) return;
  SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND);
  SDL_SetRenderDrawColor(renderer, 0, 0, 0, 180);
  const SDL_Rect background{x, y, outer.x, outer.y};
  SDL_RenderFillRect(renderer, &background);
  int line_y = y + kPadding;
  for (std::size_t i = 0; i < textures_.size(); ++i) {
    if (textures_[i]) {
      const SDL_Rect dst{x + kPadding, line_y, sizes_[i].x, sizes_[i].y};
      SDL_RenderCopy(renderer, textures_[i].get(), nullptr, &dst);
    }
    line_y += line_height_;
  }
}

}  // namespace elfdesk::client
