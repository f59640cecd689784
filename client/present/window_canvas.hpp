// Internal to client/present (includes SDL): the pixels of the viewer window. Draws into SDL's window
// surface (on X11 shared memory pushed with XShmPutImage) and pushes only the rectangles that were drawn,
// as a VNC viewer does: no GPU or GL emulation, cost proportional to what changed. When the window surface
// is not 32-bit BGRX, drawing goes to a back buffer in that layout and is converted on push. Main thread.
#pragma once
#include <vector>

#include "client/present/sdl_handles.hpp"
#include "common/image.hpp"

namespace elfdesk::client {

class WindowCanvas {
 public:
  explicit WindowCanvas(SDL_Window* window) : window_(window) {}

  // Before drawing: (re)acquires the window surface, e.g. after a resize. False (with SDL_GetError())
  // when the window has none.
  bool begin();
  SDL_Surface* target() { return back_ ? back_.get() : surface_; }
  int width() const { return surface_ != nullptr ? surface_->w : 0; }
  int height() const { return surface_ != nullptr ? surface_->h : 0; }

  // Draws `picture` scaled to `dest` (window coordinates), only within the target's clip rectangle, and
  // fills the rest of the clip rectangle outside `dest` with black. 1:1 is a copy; otherwise bilinear.
  void draw_picture(const BgraImage& picture, const Rect& dest);

  // Shows the given rectangles (window coordinates, already clipped to the window).
  void push(const std::vector<SDL_Rect>& rects);

 private:
  SDL_Window* window_;
  SDL_Surface* surface_ = nullptr;  // owned by SDL, valid until the next resize
  sdl::Ptr<SDL_Surface> back_;      // only when the window surface has another pixel layout
};

}  // namespace elfdesk::client
