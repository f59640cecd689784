#include "client/present/window_canvas.hpp"

#include <algorithm>
#include <cstring>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {
namespace {

bool is_bgrx(const SDL_Surface* s) {
  return s->format->BytesPerPixel == 4 && s->format->Rmask == 0x00ff0000u && s->format->Gmask == 0x0000ff00u &&
         s->format->Bmask == 0x000000ffu;
}

SDL_Rect intersect(const SDL_Rect& a, const Rect& b) {
  const SDL_Rect br{b.x, b.y, b.width, b.height};
  SDL_Rect out{0, 0, 0, 0};
  SDL_IntersectRect(&a, &br, &out);
  return out;
}

std::uint8_t* pixel_at(SDL_Surface* s, int x, int y) {
  return static_cast<std::uint8_t*>(s->pixels) + static_cast<std::ptrdiff_t>(y) * s->pitch +
         static_cast<std::ptrdiff_t>(x) * 4;
}

}  // namespace

bool WindowCanvas::begin() {
  surface_ = SDL_GetWindowSurface(window_);  // SDL recreates it after a resize
  if (surface_ == nullptr) return false;
  if (is_bgrx(surface_)) {
    back_.reset();
  } else if (!back_ || back_->w != surface_->w || back_->h != surface_->h) {
    back_.reset(SDL_CreateRGBSurfaceWithFormat(0, surface_->w, surface_->h, 32, SDL_PIXELFORMAT_RGB888));
    if (!back_) return false;
  }
  return true;
}

void WindowCanvas::draw_picture(const BgraImage& picture, const Rect& dest) {
  SDL_Surface* s = target();
  SDL_Rect clip;
  SDL_GetClipRect(s, &clip);
  const SDL_Rect area = intersect(clip, dest);
  if (!SDL_RectEquals(&area, &clip)) SDL_FillRect(s, &clip, SDL_MapRGB(s->format, 0, 0, 0));
  if (SDL_RectEmpty(&area) || picture.width <= 0) return;
  if (dest.width == picture.width && dest.height == picture.height) {
    for (int y = area.y; y < area.y + area.h; ++y)
      std::memcpy(pixel_at(s, area.x, y), picture.row(y - dest.y) + static_cast<std::size_t>(area.x - dest.x) * 4,
                  static_cast<std::size_t>(area.w) * 4);
    return;
  }
  // Scaling writes through a pointer to dest's top-left, so dest must lie inside the surface; fit mode
  // (the only scaled mode) centres the picture inside the window.
  if (dest.x < 0 || dest.y < 0 || dest.x + dest.width > s->w || dest.y + dest.height > s->h) return;
  media::scale_bgra_clip(picture, pixel_at(s, dest.x, dest.y), s->pitch, dest.width, dest.height,
                         Rect{area.x - dest.x, area.y - dest.y, area.w, area.h});
}

void WindowCanvas::push(const std::vector<SDL_Rect>& rects) {
  if (rects.empty() || surface_ == nullptr) return;
  if (back_) {
    for (SDL_Rect r : rects) {
      SDL_Rect dst = r;
      SDL_BlitSurface(back_.get(), &r, surface_, &dst);
    }
  }
  SDL_UpdateWindowSurfaceRects(window_, rects.data(), static_cast<int>(rects.size()));
}

}  // namespace elfdesk::client
