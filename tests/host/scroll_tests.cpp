// Scrolls and dragged windows sent as a copy of what the viewer shows plus what they uncovered:
// detect_scroll and match_move on synthetic screens, and end to end through VideoStreamer and the
// viewer's RemotePicture.
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "common/media/psnr.hpp"
#include "host/pipeline/scroll_detector.hpp"
#include "tests/host/decoding_viewer.hpp"
#include "tests/host/scripted_screen.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;

namespace {

constexpr int kLine = 16;  // pixel rows per terminal line (draw_text needs 16)

// Text lines like a terminal's, different on every line (seeded by the line number).
void draw_lines(BgraImage& img, int y0, int y1, std::uint32_t first_line) {
  test::fill_rect(img, Rect{0, y0, img.width, y1 - y0}, 0xffffffu);
  for (int y = y0, n = 0; y + kLine <= y1; y += kLine, ++n)
    test::draw_text(img, Rect{0, y, img.width * (30 + static_cast<int>((first_line + n) * 37 % 60)) / 100, kLine},
                    first_line + static_cast<std::uint32_t>(n));
}

// Moves rows [top, bottom) up by `lines` terminal lines and writes new lines below.
void scroll_up(BgraImage& img, int top, int bottom, int lines, std::uint32_t next_line) {
  const int dy = lines * kLine;
  std::memmove(img.row(top), img.row(top + dy), static_cast<std::size_t>(img.stride) * static_cast<std::size_t>(bottom - top - dy));
  draw_lines(img, bottom - dy, bottom, next_line);
}

}  // namespace

TEST_CASE("detect_scroll finds the band that moved and how far") {
  BgraImage before = BgraImage::make(640, 400);
  draw_lines(before, 0, 390, 0);
  test::fill_rect(before, Rect{0, 390, 640, 10}, 0x303030u);  // a status bar that stays
  BgraImage after = before;
  scroll_up(after, 0, 390, 2, 1000);  // a terminal prints two lines
  host::ScrollCost cost;
  const auto up = host::detect_scroll(before, after, Rect{0, 0, 640, 400}, &cost);
  REQUIRE(up.has_value());
  CHECK(cost.rows_fingerprinted <= 400 + 48 + 8);  // the previous picture's rows and a sample of the current's
  CHECK(cost.rows_compared <= 400);
  CHECK(up->dy == 2 * kLine);
  CHECK(up->area.x == 0);
  CHECK(up->area.width == 640);
  CHECK(up->area.y == 0);
  CHECK(up->area.y + up->area.height >= 390 - 2 * kLine - kLine);  // up to the new lines (blank rows may join)
  CHECK(up->area.y + up->area.height <= 390 - 2 * kLine + kLine);
  for (int y = up->area.y; y < up->area.y + up->area.height; ++y)  // every row claimed really moved
    REQUIRE(std::memcmp(after.row(y), before.row(y + up->dy), 640 * 4) == 0);

  // Scrolling back (content moves down) is found too.
  const auto down = host::detect_scroll(after, before, Rect{0, 0, 640, 400});
  REQUIRE(down.has_value());
  CHECK(down->dy == -2 * kLine);
}

TEST_CASE("detect_scroll finds nothing where nothing moved") {
  BgraImage before = BgraImage::make(640, 400);
  draw_lines(before, 0, 400, 0);
  BgraImage redrawn = before;
  draw_lines(redrawn, 0, 400, 500);  // every line replaced: a new page, not a scroll
  CHECK_FALSE(host::detect_scroll(before, redrawn, Rect{0, 0, 640, 400}).has_value());
  const BgraImage blank = BgraImage::make(640, 400);
  CHECK_FALSE(host::detect_scroll(blank, blank, Rect{0, 0, 640, 400}).has_value());  // uniform rows say nothing
  BgraImage small = before;
  scroll_up(small, 0, 400, 1, 900);
  CHECK_FALSE(host::detect_scroll(before, small, Rect{0, 0, 640, 40}).has_value());  // too few rows to bother
  CHECK_FALSE(host::detect_scroll(before, BgraImage::make(320, 400), Rect{0, 0, 320, 400}).has_value());
}

TEST_CASE("detect_scroll: a page scrolled inside a browser-like region, with an unrelated change elsewhere") {
  // 1920x1080: a sidebar of text that stays, a page (text, a photo-like picture) in a framed viewport
  // scrolled by 57 rows (not a line's multiple), a clock in the top-right corner that changed too, so the
  // change's bounds hold rows that match nowhere.
  BgraImage before = test::text_image(1920, 1080, 7);
  const Rect viewport{400, 160, 1504, 880};  // framed, up to the screen's right edge
  test::fill_rect(before, Rect{viewport.x - 16, viewport.y - 16, viewport.width + 32, viewport.height + 32}, 0xd0d0d0u);
  BgraImage page = BgraImage::make(viewport.width, 2000);
  draw_lines(page, 0, 2000, 40);
  test::draw_noise(page, Rect{300, 500, 600, 400}, 3);
  const auto show = [&](BgraImage& img, int top) {
    for (int y = 0; y < viewport.height; ++y)
      std::memcpy(img.row(viewport.y + y) + viewport.x * 4, page.row(top + y), static_cast<std::size_t>(viewport.width) * 4);
  };
  show(before, 300);
  BgraImage after = before;
  show(after, 357);
  test::draw_text(after, Rect{1776, 0, 144, 32}, 99);  // the clock
  host::ScrollCost cost;
  const Rect bounds{viewport.x - 16, 0, 1920 - viewport.x + 16, viewport.y + viewport.height + 16};
  const auto m = host::detect_scroll(before, after, bounds, &cost);
  REQUIRE(m.has_value());
  CHECK(m->dy == 57);
  CHECK(m->dx == 0);
  CHECK(m->area.y >= 32);  // not the clock's rows
  CHECK(m->area.y + m->area.height <= viewport.y + viewport.height - 57);  // not the rows it uncovered
  CHECK(m->area.height >= viewport.height - 57 - 16 * 3);
  for (int y = m->area.y; y < m->area.y + m->area.height; ++y)
    REQUIRE(std::memcmp(after.row(y) + m->area.x * 4, before.row(y + 57) + m->area.x * 4,
                        static_cast<std::size_t>(m->area.width) * 4) == 0);
  // Finding it read a fraction of the rows' bytes (then compared the matching rows in full, once).
  const long bounds_bytes = 4L * bounds.width * bounds.height;
  INFO(cost.rows_fingerprinted << " rows fingerprinted, " << cost.bytes_fingerprinted << " bytes, "
                               << cost.rows_compared << " rows compared");
  CHECK(cost.bytes_fingerprinted * 4 < bounds_bytes);
  CHECK(cost.rows_compared <= bounds.height);
}

TEST_CASE("detect_scroll: a terminal's middle scrolls one line under a fixed header and status bar") {
  BgraImage before = BgraImage::make(1280, 720);
  test::fill_rect(before, Rect{0, 0, 1280, 48}, 0x304050u);  // a header that stays
  test::draw_text(before, Rect{0, 8, 600, 32}, 5);
  draw_lines(before, 48, 688, 0);
  test::fill_rect(before, Rect{0, 688, 1280, 32}, 0x303030u);  // a status bar
  BgraImage after = before;
  scroll_up(after, 48, 688, 1, 700);
  test::draw_text(after, Rect{1100, 692, 160, 16}, 1);  // its clock ticked
  const auto m = host::detect_scroll(before, after, Rect{0, 0, 1280, 720});
  REQUIRE(m.has_value());
  CHECK(m->dy == kLine);
  CHECK(m->area.y >= 32);
  CHECK(m->area.y + m->area.height <= 688 - kLine);
  CHECK(m->area.height >= 688 - 48 - 2 * kLine);
}

TEST_CASE("detect_scroll on video-like change reads a fraction of the bytes and compares no rows") {
  // A 640x360 video region at 1080p, its bounds stretched to the screen's corner by a marker there (as in
  // the benchmark): every video row is new, every other row stays where it was.
  BgraImage before = test::text_image(1920, 1080, 3);
  test::draw_noise(before, Rect{864, 324, 640, 360}, 1);
  host::ScrollCost cost;
  for (std::uint32_t frame = 2; frame < 12; ++frame) {
    BgraImage after = before;
    test::draw_noise(after, Rect{864, 324, 640, 360}, frame);
    test::fill_rect(after, Rect{1888, 1048, 32, 32}, frame % 2 ? 0u : 0xffffffu);
    const Rect bounds{864, 324, 1920 - 864, 1080 - 324};
    CHECK_FALSE(host::detect_scroll(before, after, bounds, &cost).has_value());
    before = std::move(after);
  }
  const long both_frames_bytes = 10L * 2 * 4 * (1920 - 864) * (1080 - 324);  // what hashing every row read
  INFO(cost.rows_fingerprinted << " rows fingerprinted, " << cost.bytes_fingerprinted << " bytes of "
                               << both_frames_bytes << ", " << cost.rows_compared << " rows compared");
  CHECK(cost.bytes_fingerprinted * 8 < both_frames_bytes);
  CHECK(cost.rows_fingerprinted <= 10L * ((1080 - 324) + 48 + 16));  // the previous rows and a sample
  CHECK(cost.rows_compared == 0);
}

namespace {

struct ScrollRun {
  int scrolls = 0, video_frames = 0, pixel_updates = 0;
  std::size_t bytes_while_scrolling = 0;
  double moving_db = 0, still_db = 0;  // right after the last step, and 1 s later
};

// A 1280x720 terminal scrolls two lines every 33 ms for 30 steps, streamed to the viewer stand-in.
ScrollRun run_scroll(bool exact_pixels) {
  constexpr int kW = 1280, kH = 720, kSteps = 30;
  BgraImage start = BgraImage::make(kW, kH);
  draw_lines(start, 0, kH, 0);
  std::vector<test::ScriptedScreen::Step> steps;
  for (int i = 0; i < kSteps; ++i)
    steps.push_back([i](BgraImage& img) {
      scroll_up(img, 0, kH - kH % kLine, 2, static_cast<std::uint32_t>(1000 + 2 * i));
      return std::vector<Rect>{Rect{0, 0, kW, kH}};
    });
  test::ScriptedSession session(std::move(start), std::move(steps), 33ms, {}, exact_pixels);
  const test::ScriptedScreen& screen = session.screen;
  const test::DecodingViewer& viewer = session.viewer;
  session.play();
  session.run_for(100ms);
  ScrollRun run;
  run.moving_db = media::psnr(screen.final_image, viewer.shown());
  run.bytes_while_scrolling = viewer.bytes();
  session.run_for(900ms);
  run.still_db = media::psnr(screen.final_image, viewer.shown());
  run.scrolls = viewer.scrolls();
  run.video_frames = viewer.video_frames();
  run.pixel_updates = viewer.pixel_updates();
  return run;
}

}  // namespace

TEST_CASE("VideoStreamer: a scrolling terminal goes as copies plus its new lines as exact pixels") {
  const ScrollRun run = run_scroll(true);
  INFO(run.scrolls << " scrolls, " << run.video_frames << " VP8 frames, " << run.pixel_updates << " pixel updates; "
                   << run.bytes_while_scrolling << " bytes; " << run.moving_db << " dB, then " << run.still_db);
  CHECK(run.scrolls >= 15);         // frames may merge two steps, each still a scroll
  CHECK(run.video_frames == 1);     // only the first picture
  CHECK(run.moving_db >= 99.0);     // every line on screen came in exact (30 x 32 rows > 720)
  CHECK(run.still_db >= 99.0);
  CHECK(run.bytes_while_scrolling < 600'000);  // the keyframe (~250 kB) and two lines per step
}

TEST_CASE("VideoStreamer: without exact pixels a scroll is copies plus VP8 new lines, sharp once still") {
  const ScrollRun run = run_scroll(false);
  INFO(run.scrolls << " scrolls, " << run.video_frames << " VP8 frames; " << run.bytes_while_scrolling << " bytes; "
                   << run.moving_db << " dB, then " << run.still_db);
  CHECK(run.scrolls >= 15);
  CHECK(run.moving_db >= 25.0);  // the moved text is the text (not garbage)
  CHECK(run.still_db >= 42.0);   // and sharp once refined
  // Each scroll codes about two lines instead of the screen (a full-screen text delta is ~100 kB).
  CHECK(run.bytes_while_scrolling < 900'000);
}

// ---- Dragged windows: the capturer's move hint, checked against the pixels ----

TEST_CASE("match_move confirms a dragged window and finds the rows a window above it left alone") {
  BgraImage before = BgraImage::make(640, 480);
  draw_lines(before, 0, 480, 0);  // a busy desktop behind
  BgraImage window = BgraImage::make(200, 160);
  draw_lines(window, 0, 160, 700);
  const auto paste = [&](BgraImage& img, int x0, int y0) {
    for (int y = 0; y < window.height; ++y)
      std::memcpy(img.row(y0 + y) + x0 * 4, window.row(y), static_cast<std::size_t>(window.width) * 4);
  };
  paste(before, 100, 100);
  BgraImage after = before;
  paste(after, 137, 91);  // moved 37 right, 9 up
  const Rect from{100, 100, 200, 160}, to{137, 91, 200, 160};
  const auto m = host::match_move(before, after, from, to);
  REQUIRE(m.has_value());
  CHECK(m->area == to);
  CHECK(m->dx == -37);
  CHECK(m->dy == 9);

  // A window above covers its lower half: the copy is the rows still showing.
  BgraImage covered = after;
  test::fill_rect(covered, Rect{0, 171, 640, 80}, 0x203040u);
  const auto upper = host::match_move(before, covered, from, to);
  REQUIRE(upper.has_value());
  CHECK(upper->area == Rect{137, 91, 200, 80});

  // A stale hint (the window is not where the hint says), a changed window, or a move off the screen's
  // edge that leaves too little: nothing.
  CHECK_FALSE(host::match_move(before, after, from, Rect{140, 91, 200, 160}).has_value());
  BgraImage redrawn = after;
  draw_lines(redrawn, 91, 251, 900);
  CHECK_FALSE(host::match_move(before, redrawn, from, to).has_value());
  CHECK_FALSE(host::match_move(before, after, from, Rect{137, 91, 200, 150}).has_value());  // sizes differ
  // At the screen's edge, and mostly off it: only the part on screen whose source was on screen counts.
  BgraImage edge = before;
  paste(edge, 440, 100);
  const auto clipped = host::match_move(before, edge, from, Rect{440, 100, 200, 160});
  REQUIRE(clipped.has_value());
  CHECK(clipped->area == Rect{440, 100, 200, 160});
  BgraImage offside = BgraImage::make(640, 480);
  draw_lines(offside, 0, 480, 0);
  for (int y = 0; y < window.height; ++y)  // only the window's left 20 columns remain on screen
    std::memcpy(offside.row(100 + y) + 620 * 4, window.row(y), 20 * 4);
  CHECK_FALSE(host::match_move(before, offside, from, Rect{620, 100, 200, 160}).has_value());
}

namespace {

struct DragRun {
  int copies = 0, video_frames = 0;
  std::size_t bytes_while_dragging = 0;
  double moving_db = 0, still_db = 0;
  long moving_wrong = 0, still_wrong = 0;  // pixels that differ (PSNR rounds a few stray ones to 99 dB)
};

// Block-aligned, as the capturer reports changes.
Rect blocks_of(const Rect& r) {
  const int x0 = r.x / 16 * 16, y0 = r.y / 16 * 16;
  return Rect{x0, y0, (r.x + r.width + 15) / 16 * 16 - x0, (r.y + r.height + 15) / 16 * 16 - y0};
}

// A 480x320 window of text is dragged diagonally across a 1280x720 desktop of text, 30 steps of 33 ms,
// once the viewer shows the desktop exact (the lossless pass after the keyframe).
DragRun run_drag(bool hints, bool exact_pixels = true) {
  constexpr int kW = 1280, kH = 720, kSteps = 30;
  auto desktop = std::make_shared<BgraImage>(BgraImage::make(kW, kH));
  draw_lines(*desktop, 0, kH, 0);
  auto window = std::make_shared<BgraImage>(BgraImage::make(480, 320));
  draw_lines(*window, 0, 320, 500);
  const auto place = [desktop, window](BgraImage& img, int x0, int y0) {
    for (int y = 0; y < window->height; ++y)
      std::memcpy(img.row(y0 + y) + x0 * 4, window->row(y), static_cast<std::size_t>(window->width) * 4);
  };
  BgraImage start = *desktop;
  place(start, 100, 60);
  std::vector<test::ScriptedScreen::Step> steps;
  for (int i = 0; i < kSteps; ++i)
    steps.push_back([=](BgraImage& img) {
      const Rect from{100 + 13 * i, 60 + 7 * i, 480, 320}, to{100 + 13 * (i + 1), 60 + 7 * (i + 1), 480, 320};
      for (int y = from.y; y < from.y + from.height; ++y)  // the desktop shows again where the window was
        std::memcpy(img.row(y) + from.x * 4, desktop->row(y) + from.x * 4, static_cast<std::size_t>(from.width) * 4);
      place(img, to.x, to.y);
      const Rect changed{from.x, to.y < from.y ? to.y : from.y, to.x + to.width - from.x, to.y + to.height - from.y};
      return test::ScriptedScreen::Change({blocks_of(changed)},
                                          hints ? std::vector<host::WindowMove>{{from, to}} : std::vector<host::WindowMove>{});
    });
  const BgraImage first = start;
  test::ScriptedSession session(std::move(start), std::move(steps), 33ms, {}, exact_pixels);
  test::ScriptedScreen& screen = session.screen;
  screen.paused = true;
  const test::DecodingViewer& viewer = session.viewer;
  const double settled_db = exact_pixels ? 99.0 : 40.0;  // without exact pixels: the keyframe's quality
  for (int i = 0; i < 400 && media::psnr(first, viewer.shown()) < settled_db; ++i) session.run_for(50ms);
  REQUIRE(media::psnr(first, viewer.shown()) >= settled_db);
  const std::size_t bytes_before = viewer.bytes();
  const int frames_before = viewer.video_frames();
  screen.paused = false;
  session.play();
  session.run_for(100ms);
  DragRun run;
  const BgraImage moving = viewer.shown();
  run.moving_db = media::psnr(screen.final_image, moving);
  run.moving_wrong = test::differing_pixels(screen.final_image, moving);
  run.bytes_while_dragging = viewer.bytes() - bytes_before;
  session.run_for(1400ms);
  const BgraImage still = viewer.shown();
  run.still_db = media::psnr(screen.final_image, still);
  run.still_wrong = test::differing_pixels(screen.final_image, still);
  run.copies = viewer.scrolls();
  run.video_frames = viewer.video_frames() - frames_before;
  return run;
}

}  // namespace

TEST_CASE("VideoStreamer: a dragged window goes as a copy plus the uncovered desktop as exact pixels") {
  const DragRun with = run_drag(true);
  const DragRun without = run_drag(false);
  INFO("with hints: " << with.copies << " copies, " << with.video_frames << " VP8 frames, "
                      << with.bytes_while_dragging << " bytes, " << with.moving_db << " dB (" << with.moving_wrong
                      << " pixels wrong) then " << with.still_db << " (" << with.still_wrong << ")"
                      << "; without: " << without.bytes_while_dragging << " bytes, " << without.moving_db
                      << " dB then " << without.still_db);
  CHECK(with.copies >= 15);       // frames may merge two steps: still one move
  // None while it moves (the first picture, a quick keyframe, and its sharpening came before the drag).
  CHECK(with.video_frames == 0);
  CHECK(with.moving_wrong == 0);  // exact while it moves
  CHECK(with.still_wrong == 0);
  CHECK(without.copies == 0);
  CHECK(without.still_wrong == 0);  // the lossless pass gets there too, later and at a cost
  CHECK(with.bytes_while_dragging * 4 < without.bytes_while_dragging);  // VP8 re-codes the window
}

TEST_CASE("VideoStreamer: without exact pixels a dragged window is a copy plus VP8, sharp once still") {
  const DragRun with = run_drag(true, false);
  const DragRun without = run_drag(false, false);
  INFO("with hints: " << with.copies << " copies, " << with.bytes_while_dragging << " bytes, " << with.moving_db
                      << " dB then " << with.still_db << "; without: " << without.bytes_while_dragging << " bytes");
  CHECK(with.copies >= 15);
  CHECK(with.moving_db >= 30.0);  // the copied window is the window, not garbage
  CHECK(with.still_db >= 42.0);   // copied blurred blocks were refined too
  CHECK(with.bytes_while_dragging * 2 < without.bytes_while_dragging);
}

TEST_CASE("VideoStreamer: a scroll right after a VP8-coded change still ends exact") {
  // The lower half of a terminal is redrawn at once (too large for exact pixels: VP8 at motion quality),
  // and 33 ms later, before any refinement, the text scrolls up: the blurred rows move up under the new
  // lines. The tracker must see them as moved blurred rows, or the lossless pass skips them for good.
  constexpr int kW = 1280, kH = 720;
  BgraImage start = BgraImage::make(kW, kH);
  draw_lines(start, 0, kH, 0);
  const BgraImage first = start;
  std::vector<test::ScriptedScreen::Step> steps;
  steps.push_back([](BgraImage& img) {
    draw_lines(img, kH / 2, kH, 2000);
    return std::vector<Rect>{Rect{0, kH / 2, kW, kH / 2}};
  });
  steps.push_back([](BgraImage& img) {
    scroll_up(img, 0, kH, 2, 3000);
    return std::vector<Rect>{Rect{0, 0, kW, kH}};
  });
  test::ScriptedSession session(std::move(start), std::move(steps), 33ms);
  test::ScriptedScreen& screen = session.screen;
  screen.paused = true;
  const test::DecodingViewer& viewer = session.viewer;
  for (int i = 0; i < 400 && test::differing_pixels(first, viewer.shown()) != 0; ++i) session.run_for(50ms);
  REQUIRE(test::differing_pixels(first, viewer.shown()) == 0);
  const int video_before = viewer.video_frames();
  screen.paused = false;
  session.play();
  session.run_for(2000ms);
  INFO((viewer.video_frames() - video_before) << " VP8 frames, " << viewer.scrolls() << " scrolls");
  CHECK(viewer.video_frames() > video_before);  // the redraw went as VP8
  CHECK(viewer.scrolls() == 1);
  CHECK(test::differing_pixels(screen.final_image, viewer.shown()) == 0);
}
