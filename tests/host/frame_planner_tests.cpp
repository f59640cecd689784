// plan_frame on its own: a pure function of the captured frame (picture, previous picture, what changed
// and moved), so each decision is checked without an encoder, a clock or a thread.
#include <doctest/doctest.h>

#include <cstring>

#include "host/pipeline/frame_planner.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;

namespace {

struct Capture {
  BgraImage previous, image;
  host::CapturedFrame frame(std::vector<Rect> dirty, std::vector<Rect> changed = {}) const {
    host::CapturedFrame f;
    f.image = &image;
    f.previous = &previous;
    f.dirty = std::move(dirty);
    f.changed = std::move(changed);
    return f;
  }
};

Capture text_screen(int w, int h) {
  Capture c{test::text_image(w, h, 3), {}};
  c.image = c.previous;
  return c;
}

}  // namespace

TEST_CASE("plan_frame: a keyframe request or a new size is a keyframe and nothing else") {
  const Capture c = text_screen(320, 240);
  for (bool size_changed : {false, true}) {
    host::CapturedFrame frame = c.frame({Rect{0, 0, 16, 16}});
    frame.size_changed = size_changed;
    const host::FramePlan plan = host::plan_frame(frame, /*keyframe=*/!size_changed, true);
    CHECK(plan.keyframe);
    CHECK_FALSE(plan.move.has_value());
    CHECK(plan.pixels.empty());
  }
}

TEST_CASE("plan_frame: a small change goes as exact pixels of what changed inside its blocks") {
  const Capture c = text_screen(320, 240);
  const host::FramePlan plan = host::plan_frame(c.frame({Rect{32, 32, 16, 16}}, {Rect{35, 36, 5, 9}}), false, true);
  CHECK_FALSE(plan.keyframe);
  REQUIRE(plan.pixels.size() == 1);
  CHECK(plan.pixels[0].rects == std::vector<Rect>{Rect{35, 36, 5, 9}});
  CHECK(plan.pixels[0].completes);
  CHECK(plan.vp8 == std::vector<Rect>{Rect{32, 32, 16, 16}});  // if the pixels do not fit: VP8, whole blocks
  // Without PixelUpdates there is nothing to try.
  CHECK(host::plan_frame(c.frame({Rect{32, 32, 16, 16}}, {Rect{35, 36, 5, 9}}), false, false).pixels.empty());
  // A block the compare found unchanged (out of step) is kept whole.
  CHECK(host::plan_frame(c.frame({Rect{32, 32, 16, 16}}, {Rect{}}), false, true).pixels[0].rects ==
        std::vector<Rect>{Rect{32, 32, 16, 16}});
}

TEST_CASE("plan_frame: a small change far from a large one goes ahead of the large one's VP8") {
  const Capture c = text_screen(640, 480);
  const Rect large{0, 0, 320, 240}, marker{600, 440, 16, 16};
  const host::FramePlan plan =
      host::plan_frame(c.frame({large, marker}, {Rect{1, 1, 300, 200}, Rect{601, 441, 3, 3}}), false, true);
  REQUIRE(plan.pixels.size() == 1);
  CHECK(plan.pixels[0].rects == std::vector<Rect>{Rect{601, 441, 3, 3}});
  CHECK_FALSE(plan.pixels[0].completes);
  CHECK(plan.rest == std::vector<Rect>{large});           // VP8 after the marker went
  CHECK(plan.vp8 == std::vector<Rect>{large, marker});    // VP8 for both if it did not
  // Close to the large change, the small piece stays with it.
  CHECK(host::plan_frame(c.frame({large, Rect{336, 16, 16, 16}}), false, true).pixels.empty());
}

TEST_CASE("plan_frame: a scroll is a copy of what the viewer shows plus the new lines") {
  Capture c = text_screen(640, 480);
  const int dy = 32;
  std::memmove(c.image.row(0), c.image.row(dy), static_cast<std::size_t>(c.image.stride) * (480 - dy));
  test::draw_text(c.image, Rect{0, 480 - dy, 640, 16}, 77);
  test::draw_text(c.image, Rect{0, 480 - 16, 640, 16}, 78);
  const host::FramePlan plan = host::plan_frame(c.frame({Rect{0, 0, 640, 480}}), false, true);
  REQUIRE(plan.move.has_value());
  CHECK(plan.move->dy == dy);
  CHECK(plan.move->dx == 0);
  REQUIRE(plan.move->copies.size() == 1);
  CHECK(plan.move->copies[0].source.y == plan.move->band.y + dy);
  CHECK(plan.vp8 == plan.move->residual);
  REQUIRE(plan.pixels.size() == 1);  // the uncovered lines as exact pixels, in whole blocks
  for (const Rect& r : plan.pixels[0].rects) CHECK(r.y % 16 == 0);
  CHECK(plan.pixels[0].completes);
  // Without the previous picture (the first frame) nothing can be found to have moved.
  host::CapturedFrame first = c.frame({Rect{0, 0, 640, 480}});
  first.previous = nullptr;
  CHECK_FALSE(host::plan_frame(first, false, true).move.has_value());
}

TEST_CASE("plan_frame: a small piece beside motion is bounded from the previous frame when the capturer did not") {
  Capture c = text_screen(640, 480);
  c.image.row(100)[4 * 500] ^= 0xff;  // a typed dot far from the motion
  for (int y = 0; y < 256; ++y)       // the motion: a large area that changed everywhere
    for (int x = 0; x < 256; ++x) c.image.row(y)[4 * x + 1] ^= 0x40;
  // Motion: the capturer left `changed` empty (kBoundsSearchArea).
  const host::FramePlan plan = host::plan_frame(c.frame({Rect{0, 0, 256, 256}, Rect{496, 96, 16, 16}}), false, true);
  REQUIRE_FALSE(plan.pixels.empty());
  CHECK(plan.pixels[0].rects == std::vector<Rect>{Rect{500, 100, 1, 1}});  // ahead of the VP8 frame, exact
}
