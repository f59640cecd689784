// Internal to the X11 capturer (includes Xlib): one XImage backed by a SysV shared-memory segment that
// the X server fills with XShmGetImage (0.3 ms for 1080p versus ~50 ms for XGetImage).
// Owned by X11Capturer on the video thread; must be destroyed before its Display is closed.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>

#include <X11/Xlib.h>
#include <X11/extensions/XShm.h>

#include "protocol/error.hpp"

namespace elfdesk::host {

class ShmImage {
 public:
  static std::expected<std::unique_ptr<ShmImage>, Error> create(Display* display, int screen, int width,
                                                                int height);
  ~ShmImage();
  ShmImage(const ShmImage&) = delete;
  ShmImage& operator=(const ShmImage&) = delete;

  // Reads width x height pixels at (x, y) of `window`. False on X errors (e.g. the screen shrank).
  bool grab(Window window, int x, int y);
  // The request number of the last grab: an event whose serial is below it happened before the pixels
  // were read, one at or above it after (Xlib's XSync queues both kinds).
  unsigned long grab_serial() const { return grab_serial_; }
  const std::uint8_t* data() const;
  // The X server went away: the destructor frees the segment without asking the server to detach.
  void forget_server() { attached_ = false; }
  int stride() const;

 private:
  ShmImage(Display* display) : display_(display) {}
  Display* display_;
  XShmSegmentInfo info_{};
  XImage* image_ = nullptr;
  bool attached_ = false;
  unsigned long grab_serial_ = 0;
};

// Runs X requests with a non-fatal error handler installed; finish() syncs (unless the server has
// answered every request already) and returns the first X error code seen (0 if none). Xlib's handler
// is process-wide, so the trap is kept as short as possible.
class XErrorTrap {
 public:
  explicit XErrorTrap(Display* display);
  ~XErrorTrap();
  XErrorTrap(const XErrorTrap&) = delete;
  XErrorTrap& operator=(const XErrorTrap&) = delete;
  int finish();

 private:
  Display* display_;
  int (*previous_)(Display*, XErrorEvent*) = nullptr;
  bool finished_ = false;
};

}  // namespace elfdesk::host
