#include "client/present/remote_picture.hpp"

#include <algorithm>
#include <cstring>

#include "common/media/colour_convert.hpp"

namespace elfdesk::client {
namespace {

constexpr int kBlock = 16;
// More rectangles than this cost more in per-rectangle overhead (conversion calls, X requests) than the
// pixels between them: their bounding box is used instead.
constexpr std::size_t kMaxRects = 48;

// Marks, in `changed`, the blocks of one plane's block row whose bytes differ. `block` is the block size
// in this plane's samples (16 for luma, 8 for chroma); rows [y0, y1) of the plane form the block row.
void mark_plane(const std::uint8_t* a, const std::uint8_t* b, int stride, int width, int y0, int y1, int block,
                std::vector<char>& changed) {
  const int columns = static_cast<int>(changed.size());
  for (int y = y0; y < y1; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(stride);
    for (int c = 0; c < columns; ++c) {
      if (changed[static_cast<std::size_t>(c)]) continue;
      const int x = c * block;
      const int n = std::min(block, width - x);
      if (n > 0 && std::memcmp(a + row + static_cast<std::size_t>(x), b + row + static_cast<std::size_t>(x),
                               static_cast<std::size_t>(n)) != 0)
        changed[static_cast<std::size_t>(c)] = 1;
    }
  }
}

Rect bounding_box(const std::vector<Rect>& rects) {
  int x0 = rects.front().x, y0 = rects.front().y, x1 = x0, y1 = y0;
  for (const Rect& r : rects) {
    x0 = std::min(x0, r.x);
    y0 = std::min(y0, r.y);
    x1 = std::max(x1, r.x + r.width);
    y1 = std::max(y1, r.y + r.height);
  }
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

std::vector<Rect> changed_blocks(const I420Image& before, const I420Image& after) {
  std::vector<Rect> rects;
  if (before.width != after.width || before.height != after.height) return {Rect{0, 0, after.width, after.height}};
  const int columns = (after.width + kBlock - 1) / kBlock;
  const int cw = after.chroma_width(), ch = after.chroma_height();
  std::vector<char> changed(static_cast<std::size_t>(columns));
  std::vector<Rect> previous_row;  // runs of the block row above, still growing downwards
  for (int y = 0; y < after.height; y += kBlock) {
    std::fill(changed.begin(), changed.end(), 0);
    const int h = std::min(kBlock, after.height - y);
    mark_plane(before.y.data(), after.y.data(), after.width, after.width, y, y + h, kBlock, changed);
    const int cy0 = y / 2, cy1 = std::min(ch, (y + h + 1) / 2);
    mark_plane(before.u.data(), after.u.data(), cw, cw, cy0, cy1, kBlock / 2, changed);
    mark_plane(before.v.data(), after.v.data(), cw, cw, cy0, cy1, kBlock / 2, changed);
    std::vector<Rect> row;
    for (int c = 0; c < columns;) {
      if (!changed[static_cast<std::size_t>(c)]) { ++c; continue; }
      int end = c;
      while (end < columns && changed[static_cast<std::size_t>(end)]) ++end;
      const int x = c * kBlock;
      row.push_back(Rect{x, y, std::min(end * kBlock, after.width) - x, h});
      c = end;
    }
    // A run directly below an equal run of the row above extends it instead of starting a rectangle.
    std::vector<Rect> growing;
    for (Rect& r : row) {
      auto above = std::find_if(previous_row.begin(), previous_row.end(),
                                [&](const Rect& p) { return p.x == r.x && p.width == r.width; });
      if (above != previous_row.end()) {
        r.y = above->y;
        r.height += above->height;
        previous_row.erase(above);
      }
      growing.push_back(r);
    }
    rects.insert(rects.end(), previous_row.begin(), previous_row.end());  // ended above this row
    previous_row = std::move(growing);
  }
  rects.insert(rects.end(), previous_row.begin(), previous_row.end());
  if (rects.size() > kMaxRects) return {bounding_box(rects)};
  return rects;
}

std::vector<Rect> RemotePicture::update(const I420Image& image) {
  const Rect whole{0, 0, image.width, image.height};
  std::vector<Rect> changed;
  if (image.width != pixels_.width || image.height != pixels_.height) {
    pixels_ = BgraImage::make(image.width, image.height);
    previous_ = I420Image::make(image.width, image.height);
    changed = {whole};
  } else {
    changed = changed_blocks(previous_, image);
  }
  for (const Rect& r : changed) {
    media::i420_to_bgra_area(image, r, pixels_);
    remember(image, r);
  }
  return changed;
}

// Copies the area (even coordinates: blocks are 16-aligned, clipped only at the picture's edges) into the
// previous picture, so the next comparison starts from what is shown.
void RemotePicture::remember(const I420Image& image, const Rect& area) {
  const auto copy_rows = [](const std::vector<std::uint8_t>& from, std::vector<std::uint8_t>& to, int stride, int x,
                            int y, int w, int h) {
    for (int row = y; row < y + h; ++row) {
      const auto offset = static_cast<std::size_t>(row) * static_cast<std::size_t>(stride) + static_cast<std::size_t>(x);
      std::memcpy(to.data() + offset, from.data() + offset, static_cast<std::size_t>(w));
    }
  };
  copy_rows(image.y, previous_.y, image.width, area.x, area.y, area.width, area.height);
  const int cw = image.chroma_width();
  const int cx = area.x / 2, cy = area.y / 2;
  const int cx1 = std::min(cw, (area.x + area.width + 1) / 2), cy1 = std::min(image.chroma_height(), (area.y + area.height + 1) / 2);
  copy_rows(image.u, previous_.u, cw, cx, cy, cx1 - cx, cy1 - cy);
  copy_rows(image.v, previous_.v, cw, cx, cy, cx1 - cx, cy1 - cy);
}

}  // namespace elfdesk::client
