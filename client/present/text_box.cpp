#include "client/present/text_box.hpp"

#include <algorithm>

namespace elfdesk::client {
namespace {

constexpr Uint8 kBackground[3] = {22, 24, 30};  // opaque: nothing of the picture shows through
constexpr Uint8 kHighlight[3] = {50, 78, 130};
constexpr Uint8 kScrollTrack[3] = {55, 58, 66};
constexpr Uint8 kScrollThumb[3] = {160, 165, 175};

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation_byte(c); }));
}

// Byte offset of code point `n` in `s` (s.size() when it has fewer).
std::size_t byte_of(const std::string& s, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_continuation_byte(s[i])) continue;
    if (seen++ == n) return i;
  }
  return s.size();
}

// Splits `text` into pieces of at most `columns` code points, at the last space that fits when there is one.
std::vector<std::string> wrap_text(std::string text, std::size_t columns, std::size_t continuation_columns) {
  std::vector<std::string> pieces;
  std::size_t width = columns;
  while (code_points(text) > width) {
    const std::size_t cut = byte_of(text, width);
    std::size_t space = text.rfind(' ', cut);
    const bool at_space = space != std::string::npos && space > 0 && code_points(text.substr(0, space)) > width / 3;
    const std::size_t end = at_space ? space : cut;
    pieces.push_back(text.substr(0, end));
    text = text.substr(at_space ? end + 1 : end);
    width = continuation_columns;
  }
  pieces.push_back(std::move(text));
  return pieces;
}

Uint32 rgb(const SDL_Surface* s, const Uint8 (&c)[3]) { return SDL_MapRGBA(s->format, c[0], c[1], c[2], 255); }

}  // namespace

bool TextBox::set_lines(std::vector<TextLine> lines) {
  if (lines == lines_) return false;
  // New text keeps the scroll position only when it is the same panel growing (a chat line added).
  if (lines.empty() || lines_.empty() || lines.front() != lines_.front()) first_row_ = 0;
  lines_ = std::move(lines);
  stale_ = true;
  return true;
}

bool TextBox::set_lines(const std::vector<std::string>& lines) {
  std::vector<TextLine> plain;
  plain.reserve(lines.size());
  for (const auto& l : lines) plain.push_back(TextLine{l});
  return set_lines(std::move(plain));
}

bool TextBox::set_limits(int max_width, int max_height) {
  if (max_width == max_width_ && max_height == max_height_) return false;
  max_width_ = max_width;
  max_height_ = max_height;
  stale_ = true;
  return true;
}

void TextBox::wrap(TTF_Font* font) {
  rows_.clear();
  // A monospaced font: every character is as wide, though not a whole number of pixels.
  constexpr int kSample = 64;
  int sample_width = 0;
  TTF_SizeUTF8(font, std::string(kSample, 'M').c_str(), &sample_width, nullptr);
  const int text_width = max_width_ > 0 ? max_width_ - 2 * kPadding - kScrollBarWidth - 2 : 0;
  const std::size_t columns = sample_width > 0 && text_width > 0
                                  ? static_cast<std::size_t>(std::max(8, text_width * kSample / sample_width))
                                  : std::string::npos;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const TextLine& line = lines_[i];
    const std::size_t indent =
        columns == std::string::npos ? 0 : std::min<std::size_t>(static_cast<std::size_t>(line.indent), columns / 2);
    const std::size_t rest = columns == std::string::npos ? columns : columns - indent;
    bool first = true;
    for (auto& piece : wrap_text(line.text, columns, rest)) {
      // Indented with spaces, not pixels: the font's advance is fractional, so only text lines up with text.
      rows_.push_back(Row{i, first ? std::move(piece) : std::string(indent, ' ') + piece});
      first = false;
    }
  }
}

void TextBox::render(TTF_Font* font) {
  box_.reset();
  stale_ = false;
  if (font == nullptr || lines_.empty()) return;
  wrap(font);
  const int line_height = TTF_FontLineSkip(font);
  const int rows = static_cast<int>(rows_.size());
  shown_rows_ = max_height_ > 0 ? std::clamp((max_height_ - 2 * kPadding) / line_height, 1, rows) : rows;
  first_row_ = std::clamp(first_row_, 0, rows - shown_rows_);
  const bool scrolls = shown_rows_ < rows;
  std::vector<sdl::Ptr<SDL_Surface>> rendered;
  int width = 0;
  for (int r = first_row_; r < first_row_ + shown_rows_; ++r) {
    const Row& row = rows_[static_cast<std::size_t>(r)];
    const TextColour c = lines_[row.line].colour;
    sdl::Ptr<SDL_Surface> surface;
    if (!row.text.empty()) surface.reset(TTF_RenderUTF8_Blended(font, row.text.c_str(), SDL_Color{c.r, c.g, c.b, 255}));
    if (surface) width = std::max(width, surface->w);
    rendered.push_back(std::move(surface));
  }
  const int bar = scrolls ? kScrollBarWidth + 2 : 0;
  int outer_width = width + 2 * kPadding + bar;
  if (max_width_ > 0) outer_width = std::min(outer_width, max_width_);
  box_.reset(SDL_CreateRGBSurfaceWithFormat(0, outer_width, shown_rows_ * line_height + 2 * kPadding, 32,
                                            SDL_PIXELFORMAT_ARGB8888));
  if (!box_) return;
  SDL_FillRect(box_.get(), nullptr, rgb(box_.get(), kBackground));
  for (int i = 0; i < shown_rows_; ++i) {
    const Row& row = rows_[static_cast<std::size_t>(first_row_ + i)];
    const int y = kPadding + i * line_height;
    if (lines_[row.line].highlight) {
      SDL_Rect band{2, y, box_->w - 4 - bar, line_height};
      SDL_FillRect(box_.get(), &band, rgb(box_.get(), kHighlight));
    }
    if (const auto& s = rendered[static_cast<std::size_t>(i)]) {
      SDL_SetSurfaceBlendMode(s.get(), SDL_BLENDMODE_BLEND);
      SDL_Rect dst{kPadding, y, s->w, s->h};
      SDL_BlitSurface(s.get(), nullptr, box_.get(), &dst);
    }
  }
  if (scrolls) {  // where the shown rows sit among all of them
    const int track_h = box_->h - 2 * kPadding;
    SDL_Rect track{box_->w - kScrollBarWidth - 2, kPadding, kScrollBarWidth, track_h};
    SDL_FillRect(box_.get(), &track, rgb(box_.get(), kScrollTrack));
    SDL_Rect thumb{track.x, kPadding + track_h * first_row_ / rows, kScrollBarWidth,
                   std::max(8, track_h * shown_rows_ / rows)};
    SDL_FillRect(box_.get(), &thumb, rgb(box_.get(), kScrollThumb));
  }
  SDL_SetSurfaceBlendMode(box_.get(), SDL_BLENDMODE_NONE);
}

bool TextBox::scroll(TTF_Font* font, int rows) {
  if (stale_) render(font);
  const int last = std::max(0, static_cast<int>(rows_.size()) - shown_rows_);
  const int next = std::clamp(first_row_ + rows, 0, last);
  if (next == first_row_) return false;
  first_row_ = next;
  stale_ = true;
  return true;
}

int TextBox::visible_rows(TTF_Font* font) {
  if (stale_) render(font);
  return shown_rows_;
}

int TextBox::row_count(TTF_Font* font) {
  if (stale_) render(font);
  return static_cast<int>(rows_.size());
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

int TextBox::line_at(TTF_Font* font, int x, int y) {
  const SDL_Point outer = size(font);
  if (outer.x == 0 || x < 0 || x >= outer.x || y < kPadding || y >= outer.y - kPadding) return -1;
  const int row = first_row_ + (y - kPadding) / TTF_FontLineSkip(font);
  return row < static_cast<int>(rows_.size()) ? static_cast<int>(rows_[static_cast<std::size_t>(row)].line) : -1;
}

}  // namespace elfdesk::client
