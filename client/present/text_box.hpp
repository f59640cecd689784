// Internal to client/present: a block of text lines on an opaque box (stats overlay, panels, menu, menu
// button). Long lines wrap (word boundaries, continuation rows indented), rows beyond the box's height
// scroll behind a scroll bar; rendered once per change into one surface and copied onto the window from
// there. Main thread.
#pragma once
#include <string>
#include <vector>

#include "client/present/sdl_handles.hpp"
#include "client/present/text_line.hpp"

namespace elfdesk::client {

class TextBox {
 public:
  // Returns true when the lines differ from the current ones (the caller redraws then).
  bool set_lines(std::vector<TextLine> lines);
  bool set_lines(const std::vector<std::string>& lines);
  const std::vector<TextLine>& lines() const { return lines_; }
  // The largest outer size in pixels (0: unlimited); true when it changed.
  bool set_limits(int max_width, int max_height);
  // Scrolls by `rows` wrapped rows (negative: up), clamped; true when the view moved.
  bool scroll(TTF_Font* font, int rows);
  int visible_rows(TTF_Font* font);  // rows the box shows at once (a page)
  int row_count(TTF_Font* font);     // rows after wrapping, shown or not
  // Outer size of the box in pixels; renders the lines if they changed. {0,0} without a font.
  SDL_Point size(TTF_Font* font);
  // Copies the box onto `target` with its top-left at (x, y), within the target's clip rectangle.
  void draw(SDL_Surface* target, TTF_Font* font, int x, int y);
  // The index in lines() of the line drawn at (x, y) relative to the box's top-left, or -1.
  int line_at(TTF_Font* font, int x, int y);

  static constexpr int kPadding = 8;
  static constexpr int kScrollBarWidth = 6;

 private:
  struct Row {
    std::size_t line = 0;  // index into lines_
    std::string text;  // continuation rows start with the line's indent in spaces
  };
  void wrap(TTF_Font* font);
  void render(TTF_Font* font);

  std::vector<TextLine> lines_;
  std::vector<Row> rows_;
  int max_width_ = 0, max_height_ = 0;
  int first_row_ = 0;  // scroll position
  int shown_rows_ = 0;
  bool stale_ = true;
  sdl::Ptr<SDL_Surface> box_;
};

}  // namespace elfdesk::client
