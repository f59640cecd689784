// Role interface of a screen source: returns the next changed frame with the rectangles that changed, and
// a read-only view of the picture before them (the host's one previous frame, see FrameHistory).
// Lives on the host's video thread; the capturer owns its X connection, shared memory and both pictures.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/image.hpp"
#include "host/capture/damage_settle.hpp"
#include "host/capture/monitor_layout.hpp"
#include "host/capture/window_moves.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

struct CapturedFrame {
  const BgraImage* image = nullptr;  // owned by the capturer, valid until the next capture() call
  // The picture as of the last returned frame, owned by the capturer and valid until the next capture()
  // call; null for the first frame and after a size change. What moved (scrolls, dragged windows) is found
  // against it.
  const BgraImage* previous = nullptr;
  std::vector<Rect> dirty;           // changed areas since the last returned frame (confirmed by compare)
  // Empty, or one per `dirty` in order: the smallest rectangle inside it holding every pixel that differs
  // from `previous` (empty where none does). Found by the same compare that confirmed `dirty`, so exact
  // pixels need only what really changed (a typed glyph is a tenth of its 16x16 blocks).
  std::vector<Rect> changed;
  bool size_changed = false;         // geometry differs from the previous frame: encoder must restart
  std::uint64_t capture_time_us = 0; // steady clock, microseconds
  std::uint32_t capture_us = 0;      // time spent grabbing and comparing
  std::vector<WindowMove> moves;     // windows moved since the last returned frame (capture coordinates)
};

struct CursorImage {
  std::uint32_t serial = 0;
  int width = 0, height = 0, hot_x = 0, hot_y = 0;
  std::vector<std::uint8_t> rgba;  // non-premultiplied
};

struct CursorState {
  int x = 0, y = 0;  // relative to the captured area
  bool visible = true;
  std::optional<CursorImage> shape;  // set when the shape changed since the last call
};

class ScreenCapturer {
 public:
  virtual ~ScreenCapturer() = default;
  // Waits up to `wait` for damage. Returns a frame when pixels changed (or `force_full` is set, in which
  // case dirty is the whole screen), std::nullopt when nothing changed, or an error. After a window moved
  // or resized, a large change is grabbed when its burst of repaints is over (DamageSettle), a few
  // milliseconds past `wait` at most; small pieces apart from it that arrive meanwhile come first, alone. An error with code
  // `unavailable` is permanent (display gone); others are temporary and the caller may retry.
  virtual std::expected<std::optional<CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                                     bool force_full) = 0;
  // Waits up to `wait` for damage and returns a frame of only the changes that are small and apart from
  // the rest (small_and_apart: a marker, a glyph beside a playing video), leaving the rest, and any window
  // moves, to the next capture(). What may go while the frame-rate cap holds the next frame back.
  // std::nullopt when nothing like that changed in time, or a full frame is due. The default has none.
  virtual std::expected<std::optional<CapturedFrame>, Error> capture_apart(std::chrono::milliseconds wait) {
    (void)wait;
    return std::optional<CapturedFrame>{};
  }
  virtual std::expected<CursorState, Error> cursor() = 0;
  // From any thread: a capture() or capture_apart() waiting now (or the next one) returns std::nullopt
  // without waiting out its time, so the caller sees a keyframe request or a stop at once. Captures whose
  // waits are short anyway need not implement it.
  virtual void wake() {}
  virtual int width() const = 0;
  virtual int height() const = 0;
  // The monitors and what is captured now. Without monitors (no RandR 1.5, the test pattern): none, the
  // whole screen.
  virtual MonitorLayout layout() const { return {{}, -1, Rect{0, 0, width(), height()}}; }
  // Captures monitor `index` of layout() (-1: the whole screen) from the next capture() on, which then
  // returns a full frame (size_changed when the area moved or resized). False, and nothing changes, when
  // there is no such monitor.
  virtual bool select_monitor(int index) { return index == -1; }
  // Changes whenever layout() does (a selection, a monitor plugged, unplugged or redefined, a resize).
  virtual std::uint64_t layout_generation() const { return 0; }
};

struct X11CaptureOptions {
  std::string display;  // empty: $DISPLAY
  int monitor = -1;     // -1: whole screen; otherwise the XRandR monitor index
  SettlePolicy settle;  // when a large change's burst is over (tests widen it to be sure of their timing)
};

std::expected<std::unique_ptr<ScreenCapturer>, Error> make_x11_capturer(const X11CaptureOptions& options);
// A deterministic moving test pattern of the given size (for tests and `--fake-screen`).
std::unique_ptr<ScreenCapturer> make_test_pattern_capturer(int width, int height);

}  // namespace elfdesk::host
