#include "client/present/text_box.hpp"

#include <algorithm>

namespace elfdesk::client {

bool TextBox::set_lines(std::vector<std::string> lines) {
  if (lines == lines_) return false;
  lines_ = std::move(lines);
  stale_ = true;
  return true;
}

void TextBox::render(TTF_Font* font) {
  box_.reset();
  stale_ = false;
  if (font == nullptr || lines_.empty()) return;
  const int line_height = TTF_FontLineSkip(font);
  std::vector<sdl::Ptr<SDL_Surface>> rendered;
  int width = 0;
  for (const std::string& line : lines_) {
    sdl::Ptr<SDL_Surface> surface;
    if (!line.empty()) surface.reset(TTF_RenderUTF8_Blended(font, line.c_str(), SDL_Color{235, 235, 235, 255}));
    if (surface) width = std::max(width, surface->w);
    rendered.push_back(std::move(surface));
  }
  const int height = line_height * static_cast<int>(lines_.size());
  box_.reset(SDL_CreateRGBSurfaceWithFormat(0, width + 2 * kPadding, height + 2 * kPadding, 32,
                                            SDL_PIXELFORMAT_ARGB8888));
  if (!box_) return;
  SDL_FillRect(box_.get(), nullptr, SDL_MapRGBA(box_->format, 0, 0, 0, 180));
  int line_y = kPadding;
  for (const auto& surface : rendered) {
    if (surface) {
      SDL_SetSurfaceBlendMode(surface.get(), SDL_BLENDMODE_BLEND);
      SDL_Rect dst{kPadding, line_y, surface->w, surface->h};
      SDL_BlitSurface(surface.get(), nullptr, box_.get(), &dst);
    }
    line_y += line_height;
  }
  SDL_SetSurfaceBlendMode(box_.get(), SDL_BLENDMODE_BLEND);
}

SDL_Point TextBox::size(TTF_Font* font) {
  if (stale_) render(font);
  return box_ ? SDL_Point{box_->w, box_->h} : SDL_Point{0, 0};
}

void TextBox::draw(SDL_Surface* target, TTF_Font* font, int x, int y) {
  if (size(font).x == 0) return;
  SDL_Rect dst{x, y, box_->w, box_->h};
  SDL_BlitSurface(box_.get(), nullptr, target, &dst);
}

}  // namespace elfdesk::client
