#include <doctest/doctest.h>

#include <SDL.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "client/decode/picture_receiver.hpp"
#include "client/present/picture_shower.hpp"
#include "client/present/update_queue.hpp"
#include "client/present/sdl_presenter.hpp"
#include "common/clock.hpp"
#include "common/media/colour_convert.hpp"
#include "tests/host/video_test_images.hpp"
#include "tests/host/ui_x11_helpers.hpp"
#include "tests/support/xvfb.hpp"

using namespace elfdesk;
using namespace elfdesk::client;
using namespace std::chrono_literals;
using test::Rgb;

namespace {

const std::string& shared_display() {
  static test::XvfbServer server(1024, 768);  // one private X server for this test binary
  return server.display();
}

// Four vertical bars, BT.601 limited range: white, red, green, blue.
I420Image colour_bars(int width, int height) {
  struct Yuv { std::uint8_t y, u, v; };
  constexpr Yuv kBars[4] = {{235, 128, 128}, {81, 90, 240}, {145, 54, 34}, {41, 240, 110}};
  I420Image img = I420Image::make(width, height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) img.y[static_cast<std::size_t>(y) * width + x] = kBars[x * 4 / width].y;
  for (int y = 0; y < img.chroma_height(); ++y)
    for (int x = 0; x < img.chroma_width(); ++x) {
      const auto i = static_cast<std::size_t>(y) * img.chroma_width() + x;
      img.u[i] = kBars[x * 2 * 4 / width].u;
      img.v[i] = kBars[x * 2 * 4 / width].v;
    }
  return img;
}

constexpr Rgb kWhite{255, 255, 255}, kRed{255, 0, 0}, kGreen{0, 255, 0}, kBlue{0, 0, 255}, kBlack{0, 0, 0};

struct PresenterFixture {
  std::string display = shared_display();
  std::unique_ptr<SdlPresenter> presenter;

  explicit PresenterFixture(int width = 640, int height = 360) {
    setenv("DISPLAY", display.c_str(), 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
    auto created = SdlPresenter::create({"elfdesk test viewer", width, height});
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().detail));
    presenter = std::move(*created);
    REQUIRE(presenter->x11_window() != 0);
  }

  // Presents and reads the window back until `ok` holds for the pixels (the X server may lag a little).
  std::optional<test::WindowPixels> settle(const std::function<bool(const test::WindowPixels&)>& ok) {
    std::optional<test::WindowPixels> px;
    test::wait_until(
        [&] {
          SDL_PumpEvents();
          presenter->present();
          px = test::grab_window(display, presenter->x11_window());
          return px && ok(*px);
        },
        3s);
    return px;
  }
};

bool near(const test::WindowPixels& px, int x, int y, Rgb expected, int tolerance = 12) {
  return test::near(px.at(x, y), expected, tolerance);
}

}  // namespace

TEST_CASE("presenter: fit mode scales with letterbox bars and BT.601 colours") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(320, 240)).has_value());
  // 320x240 into 640x360: scale 1.5 -> 480x360 at x=80, each bar 120 px wide.
  const Rect dest = f.presenter->viewport().destination();
  CHECK(dest == Rect{80, 0, 480, 360});
  const auto px = f.settle([](const test::WindowPixels& p) { return near(p, 140, 180, kWhite); });
  REQUIRE(px);
  CHECK(px->width == 640);
  CHECK(near(*px, 140, 180, kWhite));
  CHECK(near(*px, 260, 180, kRed));
  CHECK(near(*px, 380, 180, kGreen));
  CHECK(near(*px, 500, 180, kBlue));
  CHECK(near(*px, 40, 180, kBlack, 2));  // letterbox bars
  CHECK(near(*px, 600, 20, kBlack, 2));
  CHECK(f.presenter->present_time_us() > 0);
}

TEST_CASE("presenter: HD pictures are converted as BT.601 too (libvpx output), not SDL's BT.709 default") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(1280, 720)).has_value());
  CHECK(f.presenter->viewport().destination() == Rect{0, 0, 640, 360});
  const auto px = f.settle([](const test::WindowPixels& p) { return near(p, 80, 180, kWhite); });
  REQUIRE(px);
  CHECK(near(*px, 240, 180, kRed));    // BT.709 would give about (255, 24, 0)
  CHECK(near(*px, 400, 180, kGreen));  // and about (0, 216, 0)
  CHECK(near(*px, 560, 180, kBlue));
}

TEST_CASE("presenter: 1:1 mode draws remote pixels unscaled at the top-left, and scrolls") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(320, 240)).has_value());
  f.presenter->toggle_scale_mode();
  CHECK(f.presenter->viewport().mode == ScaleMode::one_to_one);
  auto px = f.settle([](const test::WindowPixels& p) { return near(p, 280, 120, kBlue) && near(p, 500, 120, kBlack, 2); });
  REQUIRE(px);
  CHECK(near(*px, 40, 120, kWhite));
  CHECK(near(*px, 120, 120, kRed));
  CHECK(near(*px, 200, 120, kGreen));
  CHECK(near(*px, 280, 120, kBlue));
  CHECK(near(*px, 500, 120, kBlack, 2));  // right of the picture
  CHECK(near(*px, 100, 300, kBlack, 2));  // below it

  // A picture larger than the window scrolls; scrolling is clamped to the picture.
  REQUIRE(f.presenter->set_frame(colour_bars(1280, 360)).has_value());
  f.presenter->scroll_by(10'000, 50);
  CHECK(f.presenter->viewport().scroll_x == 640);
  CHECK(f.presenter->viewport().scroll_y == 0);
  px = f.settle([](const test::WindowPixels& p) { return near(p, 100, 100, kGreen) && near(p, 500, 100, kBlue); });
  REQUIRE(px);
  CHECK(near(*px, 100, 100, kGreen));  // remote x=740: third bar
  CHECK(near(*px, 500, 100, kBlue));   // remote x=1140: fourth bar
}

TEST_CASE("presenter: remote cursor drawn at its position, scaled in fit mode, cached by serial") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(320, 240)).has_value());
  protocol::CursorShape shape{7, 8, 8, 2, 2, {}};
  for (int i = 0; i < 64; ++i) shape.rgba.insert(shape.rgba.end(), {255, 0, 255, 255});  // magenta
  f.presenter->set_cursor_shape(shape);
  f.presenter->set_cursor_position({100, 100, true});
  // Fit: scale 1.5; the top-left of the image is at (100-2)*1.5+80 = 227, (100-2)*1.5 = 147; 12x12 px.
  auto px = f.settle([](const test::WindowPixels& p) { return near(p, 233, 153, {255, 0, 255}); });
  REQUIRE(px);
  CHECK(near(*px, 233, 153, {255, 0, 255}));
  CHECK(near(*px, 233, 175, kRed));  // below the cursor: the picture

  shape.rgba.assign(shape.rgba.size(), 0);  // same serial: must not be re-uploaded
  f.presenter->set_cursor_shape(shape);
  f.presenter->set_cursor_position({100, 100, false});  // hidden
  px = f.settle([](const test::WindowPixels& p) { return near(p, 233, 153, kRed); });
  REQUIRE(px);
  CHECK(near(*px, 233, 153, kRed));
  f.presenter->set_cursor_position({100, 100, true});
  px = f.settle([](const test::WindowPixels& p) { return near(p, 233, 153, {255, 0, 255}); });
  CHECK(near(*px, 233, 153, {255, 0, 255}));  // still the cached magenta texture
}

TEST_CASE("presenter: stats overlay and panel change the pixels while shown") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(320, 240)).has_value());
  f.presenter->set_scale_mode(ScaleMode::one_to_one);
  const auto plain = f.settle([](const test::WindowPixels& p) { return near(p, 40, 30, kWhite); });
  REQUIRE(plain);
  auto differing = [&](const test::WindowPixels& p, int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) n += test::near(p.at(x, y), plain->at(x, y), 30) ? 0 : 1;
    return n;
  };
  f.presenter->set_stats({59.9, 1234, 12.5, 38.0, 3});
  f.presenter->show_stats(true);
  CHECK(f.presenter->stats_visible());
  auto px = f.settle([&](const test::WindowPixels& p) { return differing(p, 0, 0, 300, 80) > 1000; });
  CHECK(differing(*px, 0, 0, 300, 80) > 1000);
  f.presenter->show_stats(false);
  px = f.settle([&](const test::WindowPixels& p) { return differing(p, 0, 0, 300, 80) == 0; });
  CHECK(differing(*px, 0, 0, 300, 80) == 0);

  f.presenter->show_panel({"Diagnostics", "cpu: 12 %", "memory: 3.1 GiB free"});
  px = f.settle([&](const test::WindowPixels& p) { return differing(p, 200, 130, 440, 230) > 1000; });
  CHECK(differing(*px, 200, 130, 440, 230) > 1000);
  if (const char* dir = std::getenv("ELFDESK_UI_SCREENSHOT_DIR"); dir != nullptr) {
    f.presenter->show_stats(true);
    f.presenter->set_scale_mode(ScaleMode::fit);
    if (auto shot = f.settle([](const test::WindowPixels&) { return true; }))
      test::save_ppm(*shot, std::string(dir) + "/presenter_overlay.ppm");
    f.presenter->show_stats(false);
    f.presenter->set_scale_mode(ScaleMode::one_to_one);
  }
  f.presenter->hide_panel();
  px = f.settle([&](const test::WindowPixels& p) { return differing(p, 0, 0, 640, 360) == 0; });
  CHECK(differing(*px, 0, 0, 640, 360) == 0);
}

TEST_CASE("presenter: the panel is opaque, wraps long lines inside the window and scrolls; the menu is hit-tested") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(640, 360)).has_value());
  std::vector<TextLine> lines{{"Findings", text_colour::kHeading}};
  for (int i = 0; i < 30; ++i)
    lines.push_back({"CRITICAL  disk:space  " + std::string(120, 'x'), text_colour::kCritical, 22});
  f.presenter->show_panel(lines);
  CHECK(f.presenter->panel_rows() > static_cast<int>(lines.size()));  // every long line wrapped
  const Rect at = f.presenter->panel_rect();
  CHECK((at.x >= 0 && at.y >= 0 && at.x + at.width <= 640 && at.y + at.height <= 360));
  CHECK(f.presenter->panel_page_rows() < f.presenter->panel_rows());  // more than fit: it scrolls
  constexpr Rgb kPanel{22, 24, 30};
  auto px = f.settle([&](const test::WindowPixels& p) { return near(p, at.x + 2, at.y + 2, kPanel, 0); });
  REQUIRE(px);
  // Opaque over all four bars: the padding is exactly the panel's colour wherever the picture differs.
  for (int x = at.x + 2; x < at.x + at.width - 2; x += 37) CHECK(near(*px, x, at.y + 3, kPanel, 0));
  int red = 0;
  for (int y = at.y; y < at.y + at.height; ++y)
    for (int x = at.x; x < at.x + at.width; ++x) red += near(*px, x, y, Rgb{255, 80, 80}, 10) ? 1 : 0;
  CHECK(red > 50);  // the critical colour
  CHECK(f.presenter->scroll_panel(3));
  CHECK(f.presenter->scroll_panel(-100));
  CHECK_FALSE(f.presenter->scroll_panel(-1));  // clamped at the top
  CHECK(f.presenter->panel_line_at(at.x + 20, at.y + 8 + 2) == 0);
  CHECK(f.presenter->panel_line_at(at.x - 5, at.y + 20) == -1);

  f.presenter->show_menu_button(true);
  f.presenter->show_menu({{"First"}, {"Second", text_colour::kNormal, 0, true}, {"Third"}});
  const Rect menu = f.presenter->menu_rect();
  CHECK((menu.x + menu.width <= 640 && menu.width > 0));
  CHECK(f.presenter->menu_button_at(636, 4));
  const int row = (menu.height - 16) / 3;
  CHECK(f.presenter->menu_item_at(menu.x + 10, menu.y + 8 + row + row / 2) == 1);
  CHECK(f.presenter->menu_item_at(menu.x - 10, menu.y + 20) == -1);
  f.presenter->hide_menu();
  CHECK(f.presenter->menu_item_at(menu.x + 10, menu.y + 20) == -1);
}

TEST_CASE("presenter: redrawing only changed blocks gives the window a full redraw would") {
  PresenterFixture f;
  // 448x252 fit into 640x360: scaled by 1.43, so changed areas need their bilinear margins.
  BgraImage screen = test::text_image(448, 252, 4);
  REQUIRE(f.presenter->set_frame(media::bgra_to_i420(screen)).has_value());
  protocol::CursorShape shape{3, 8, 8, 0, 0, {}};
  for (int i = 0; i < 64; ++i) shape.rgba.insert(shape.rgba.end(), {255, 255, 0, 200});  // translucent yellow
  f.presenter->set_cursor_shape(shape);
  f.presenter->set_stats({30, 100, 1, 2, 0});
  f.presenter->show_stats(true);
  f.presenter->present();
  for (int i = 0; i < 24; ++i) {
    const Rect patch{(i * 53) % 420, (i * 37) % 230, 9 + i % 20, 7 + i % 13};
    if (i % 3 == 0) test::fill_rect(screen, patch, 0x102030u * static_cast<std::uint32_t>(i % 7));
    else test::draw_text(screen, patch, static_cast<std::uint32_t>(i));
    REQUIRE(f.presenter->set_frame(media::bgra_to_i420(screen)).has_value());
    f.presenter->set_cursor_position({(i * 31) % 440, (i * 17) % 250, i % 5 != 4});
    if (i % 6 == 0) f.presenter->set_stats({30, 100.0 + i * 1000, 1, 2, static_cast<std::uint64_t>(i)});
    f.presenter->present();
  }
  const auto partial = f.settle([](const test::WindowPixels&) { return true; });
  f.presenter->set_scale_mode(ScaleMode::fit);  // same mode: redraws everything
  const auto full = f.settle([](const test::WindowPixels&) { return true; });
  REQUIRE(partial);
  REQUIRE(full);
  int differing = 0;
  for (int y = 0; y < full->height; ++y)
    for (int x = 0; x < full->width; ++x) differing += test::near(partial->at(x, y), full->at(x, y), 0) ? 0 : 1;
  CHECK(differing == 0);
}

TEST_CASE("presenter: run_loop takes pictures from the update queue on wake and passes SDL events through") {
  PresenterFixture f;
  UpdateQueue queue;
  queue.set_waker(f.presenter->waker());
  std::uint64_t shown = 0;
  bool saw_key = false;
  int drained = 0;
  std::thread producer([&] {
    for (std::uint64_t id = 1; id <= 30; ++id) {
      queue.put(PictureUpdate{VideoUpdate{colour_bars(320, 240), {}}, id, 0, 0});
      std::this_thread::sleep_for(5ms);
    }
    // A real key press into the window ends the loop through on_event.
    test::run_on_display(f.display, "xdotool windowfocus --sync " + std::to_string(f.presenter->x11_window()) +
                                        " key --delay 20 q");
  });
  std::promise<void> finished;
  std::thread watchdog([&, done = finished.get_future()] {
    if (done.wait_for(15s) != std::future_status::ready) f.presenter->stop();
  });
  f.presenter->run_loop({.on_event =
                             [&](const void* e) {
                               const auto* event = static_cast<const SDL_Event*>(e);
                               saw_key = event->type == SDL_KEYDOWN && event->key.keysym.sym == SDLK_q;
                               return !saw_key;
                             },
                         .on_wake =
                             [&] {
                               for (const PictureUpdate& u : queue.take_all()) {
                                 CHECK(f.presenter->set_frame(std::get<VideoUpdate>(u.content).image).has_value());
                                 shown = u.frame_id;
                               }
                             },
                         .on_drained = [&] { ++drained; }});
  finished.set_value();
  watchdog.join();
  producer.join();
  CHECK(saw_key);
  CHECK(drained >= 1);
  CHECK(shown == 30);
  CHECK(f.presenter->frames_presented() >= 1);
  CHECK(queue.taken() + queue.dropped() == 30);
}

TEST_CASE("presenter: a resized window updates the viewport used for drawing and input mapping") {
  PresenterFixture f;
  REQUIRE(f.presenter->set_frame(colour_bars(320, 240)).has_value());
  std::thread resizer([&] {
    test::run_on_display(f.display, "xdotool windowsize " + std::to_string(f.presenter->x11_window()) + " 800 400");
  });
  std::promise<void> finished;
  std::thread watchdog([&, done = finished.get_future()] {
    if (done.wait_for(10s) != std::future_status::ready) f.presenter->stop();
  });
  f.presenter->run_loop({.on_drained = [&] {
    if (f.presenter->viewport().window_width == 800) f.presenter->stop();
  }});
  finished.set_value();
  watchdog.join();
  resizer.join();
  CHECK(f.presenter->viewport().window_width == 800);
  CHECK(f.presenter->viewport().window_height == 400);
  CHECK(f.presenter->viewport().destination() == Rect{133, 0, 533, 400});  // 320x240 * 5/3, centred
  const auto px = f.settle([](const test::WindowPixels& p) { return p.width == 800 && near(p, 180, 200, kWhite); });
  REQUIRE(px);
  CHECK(near(*px, 60, 200, kBlack, 2));
  CHECK(near(*px, 740, 200, kBlack, 2));
}

TEST_CASE("presenter: show_pictures puts a batch on the window before naming the picture to acknowledge") {
  PresenterFixture f;
  const std::uint64_t presented = f.presenter->frames_presented();
  CHECK_FALSE(show_pictures(*f.presenter, {}).newest);  // nothing came: nothing to acknowledge, nothing drawn
  CHECK(f.presenter->frames_presented() == presented);

  const std::uint64_t decoded = monotonic_us();
  std::vector<PictureUpdate> batch;
  batch.push_back(PictureUpdate{VideoUpdate{colour_bars(320, 240), {}, {}}, 7, 0, decoded, 1500});
  // Exact white pixels on the red bar, then pixels for a screen of another size (a resize crossed them).
  const std::vector<std::uint8_t> white(20 * 20 * 4, 0xFF);
  batch.push_back(PictureUpdate{PixelsUpdate{320, 240, {Rect{100, 100, 20, 20}}, white, {}}, 8, 0, decoded + 1, 200});
  batch.push_back(PictureUpdate{PixelsUpdate{640, 480, {Rect{0, 0, 1, 1}}, {1, 2, 3, 4}, {}}, 9, 0, decoded + 2, 100});
  const ShownPictures shown = show_pictures(*f.presenter, std::move(batch));

  CHECK(f.presenter->frames_presented() == presented + 1);  // pushed to the window once, inside the call
  REQUIRE(shown.newest);
  CHECK(shown.newest->frame_id == 9);  // acknowledgements are cumulative: the newest stands for all
  CHECK(shown.needs_keyframe);
  CHECK(shown.shown_us == f.presenter->present_time_us());
  CHECK(shown.shown_us >= decoded + 2);
  const protocol::FrameAck ack = frame_ack(*shown.newest, shown.shown_us);
  CHECK(ack == protocol::FrameAck{9, 100, static_cast<std::uint32_t>(shown.shown_us - (decoded + 2))});

  // The X server already has it, without another present(): 320x240 fit into 640x360 at x=80, scale 1.5.
  std::optional<test::WindowPixels> px;
  test::wait_until(
      [&] {
        px = test::grab_window(f.display, f.presenter->x11_window());
        return px && near(*px, 260, 180, kRed) && near(*px, 245, 165, kWhite);
      },
      3s);
  REQUIRE(px);
  CHECK(near(*px, 140, 180, kWhite));
  CHECK(near(*px, 260, 180, kRed));
  CHECK(near(*px, 245, 165, kWhite));  // the exact pixels at remote (100..120, 100..120)
  CHECK(f.presenter->frames_presented() == presented + 1);
}
