// X11 implementation of ScreenCapturer. Why it is shaped like this (see DESIGN "Measured facts"):
// XDamage tells us when and roughly where pixels changed, so a still screen costs nothing; MIT-SHM makes
// the grab itself cheap (0.3 ms at 1080p); a 16x16 block compare turns coarse damage into the exact
// blocks that changed. XFixes supplies the cursor, XRandR resizes and the monitors (one of which may be
// chosen at run time; a chosen monitor that goes away falls back to the whole screen). Notifications of
// the root's children say where top-level windows moved (WindowMoves), so a drag can go as a copy.
// Lives on the host's video thread.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "host/capture/apart_changes.hpp"
#include "host/capture/block_diff.hpp"
#include "host/capture/capture_trace.hpp"
#include "host/capture/damage_settle.hpp"
#include "host/capture/frame_history.hpp"
#include "host/capture/screen_capturer.hpp"
#include "host/capture/x11_monitors.hpp"
#include "host/capture/x11_pointer_watch.hpp"
#include "host/capture/x11_shm_image.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {

namespace {

using Clock = std::chrono::steady_clock;

struct DisplayCloser {
  void operator()(Display* d) const { XCloseDisplay(d); }
};
struct XFreeDeleter {
  void operator()(void* p) const { XFree(p); }
};

std::uint64_t steady_us(Clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

// More small pieces than this at once are a busy screen, not a marker or a glyph: they wait for the next
// whole frame.
constexpr std::size_t kMaxApartPieces = 8;

Error unavailable(std::string what) { return make_error(ErrorCode::unavailable, std::move(what)); }

// XFixes hands out premultiplied ARGB, one pixel per unsigned long; the protocol wants straight RGBA.
CursorImage convert_cursor(const XFixesCursorImage& x) {
  const int max = static_cast<int>(limits::kMaxCursorDimension);
  CursorImage out;
  out.serial = static_cast<std::uint32_t>(x.cursor_serial);
  out.width = std::min<int>(x.width, max);
  out.height = std::min<int>(x.height, max);
  out.hot_x = std::min<int>(x.xhot, out.width - 1);
  out.hot_y = std::min<int>(x.yhot, out.height - 1);
  out.rgba.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 4);
  std::uint8_t* dst = out.rgba.data();
  for (int y = 0; y < out.height; ++y) {
    for (int col = 0; col < out.width; ++col, dst += 4) {
      const auto p = static_cast<std::uint32_t>(x.pixels[static_cast<std::size_t>(y) * x.width + col]);
      const std::uint32_t a = p >> 24;
      const auto unpremultiply = [a](std::uint32_t c) {
        return static_cast<std::uint8_t>(a == 0 ? 0 : std::min<std::uint32_t>(255, (c * 255 + a / 2) / a));
      };
      dst[0] = unpremultiply((p >> 16) & 0xff);
      dst[1] = unpremultiply((p >> 8) & 0xff);
      dst[2] = unpremultiply(p & 0xff);
      dst[3] = static_cast<std::uint8_t>(a);
    }
  }
  return out;
}

class X11Capturer final : public ScreenCapturer {
 public:
  explicit X11Capturer(X11CaptureOptions options) : options_(std::move(options)) {}
  ~X11Capturer() override;
  X11Capturer(const X11Capturer&) = delete;
  X11Capturer& operator=(const X11Capturer&) = delete;

  std::expected<void, Error> init();
  std::expected<std::optional<CapturedFrame>, Error> capture(std::chrono::milliseconds wait,
                                                             bool force_full) override;
  std::expected<std::optional<CapturedFrame>, Error> capture_apart(std::chrono::milliseconds wait) override;
  std::expected<CursorState, Error> cursor() override;
  void wake() override;
  int width() const override { return area_.width; }
  int height() const override { return area_.height; }
  MonitorLayout layout() const override { return {monitors_, selected_, area_}; }
  bool select_monitor(int index) override;
  std::uint64_t layout_generation() const override { return generation_; }

 private:
  std::expected<void, Error> init_extensions();
  std::expected<void, Error> process_events();
  void handle(XEvent& event);
  void watch_windows();
  std::vector<WindowMove> moves_since_last_frame();
  std::expected<Rect, Error> refresh_layout();
  std::expected<void, Error> reconfigure();
  void take_damage(std::vector<Rect>& out);
  enum class Moves { take, leave };  // leave: the frame is a piece split off (capture_apart)
  std::expected<std::optional<CapturedFrame>, Error> grab(const std::vector<Rect>* damage, Moves moves = Moves::take);
  std::expected<std::optional<CapturedFrame>, Error> grab_apart();
  enum class Waited { on, over };  // over: woken, or the pointer is due (the caller's turn either way)
  enum class Pointer { ends_wait, waits };  // waits: a burst's hold, a few milliseconds, is not cut short
  std::expected<Waited, Error> wait_until(Clock::time_point deadline, Pointer pointer = Pointer::ends_wait);

  X11CaptureOptions options_;
  std::unique_ptr<Display, DisplayCloser> display_;
  Window root_ = 0;
  int screen_ = 0;
  int damage_event_ = 0, xfixes_event_ = 0, randr_event_ = -1;
  Damage damage_ = 0;
  XserverRegion region_ = 0;
  X11ConnectionState connection_;  // display_'s; set by Xlib's exit handler (x11_connection_loss)
  int wake_fd_ = -1;               // an eventfd: wake() ends a wait from another thread
  unsigned long checked_request_ = 0;  // NextRequest() when process_events() last read the socket
  std::unique_ptr<ShmImage> shm_;  // declared after display_: destroyed before the display closes
  Rect area_;                      // captured rectangle in root coordinates
  bool randr_monitors_ = false;    // RandR 1.5: the server lists monitors
  std::vector<Monitor> monitors_;  // as of the last refresh_layout()
  int selected_ = -1;              // index into monitors_, -1: the whole screen
  std::uint64_t generation_ = 0;   // bumped whenever layout() changes
  BgraImage frame_;                // last returned picture, updated block by block
  FrameHistory history_;           // the picture before the last returned frame's change
  bool damage_pending_ = false;
  DamageSettle settle_{options_.settle};  // a large change is grabbed when its burst is over
  std::vector<Rect> held_damage_;  // taken from the server, not grabbed yet (capture_apart, a burst's hold)
  GrabTimes times_;  // for ELFDESK_CAPTURE_TRACE only
  bool geometry_pending_ = false;
  bool need_full_ = true;
  bool size_changed_ = false;
  bool cursor_pending_ = true;
  std::uint32_t cursor_serial_ = 0;
  X11PointerWatch pointer_;         // whether the pointer may have moved since it was last asked
  int pointer_x_ = 0, pointer_y_ = 0;  // where it was then, root coordinates
  WindowMoves windows_;  // top-level windows, root coordinates
};

X11Capturer::~X11Capturer() {
  if (shm_ && connection_.lost) shm_->forget_server();
  shm_.reset();
  if (display_ && !connection_.lost) {
    if (damage_ != 0) XDamageDestroy(display_.get(), damage_);
    if (region_ != 0) XFixesDestroyRegion(display_.get(), region_);
  }
  if (!connection_.usable_here()) (void)display_.release();  // closing would wait forever (see X11ConnectionState)
  if (wake_fd_ >= 0) close(wake_fd_);
}

void X11Capturer::wake() {
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
}

std::expected<void, Error> X11Capturer::init() {
  selected_ = options_.monitor;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return std::unexpected(make_error(ErrorCode::io, "eventfd failed"));
  display_.reset(XOpenDisplay(options_.display.empty() ? nullptr : options_.display.c_str()));
  if (!display_) return std::unexpected(unavailable("cannot open X display '" + options_.display + "'"));
  // Without this Xlib calls exit() when the X server goes away; we report `unavailable` instead.
  survive_connection_loss(display_.get(), &connection_);
  screen_ = XDefaultScreen(display_.get());
  root_ = XRootWindow(display_.get(), screen_);
  if (auto ok = init_extensions(); !ok) return ok;
  damage_ = XDamageCreate(display_.get(), root_, XDamageReportNonEmpty);
  region_ = XFixesCreateRegion(display_.get(), nullptr, 0);
  XFixesSelectCursorInput(display_.get(), root_, XFixesDisplayCursorNotifyMask);
  pointer_.start(display_.get(), root_);
  if (randr_event_ >= 0) XRRSelectInput(display_.get(), root_, RRScreenChangeNotifyMask | RRCrtcChangeNotifyMask);
  watch_windows();
  return reconfigure();
}

// Top-level windows as they are now; from here on their notifications keep WindowMoves current.
void X11Capturer::watch_windows() {
  Display* d = display_.get();
  // StructureNotify: RandR announces a monitor added or deleted (xrandr --setmonitor) only by the root's
  // ConfigureNotify, not by a RandR event.
  XSelectInput(d, root_, SubstructureNotifyMask | StructureNotifyMask);
  Window root_return = 0, parent = 0;
  Window* children = nullptr;
  unsigned count = 0;
  if (XQueryTree(d, root_, &root_return, &parent, &children, &count) == 0) return;
  std::unique_ptr<Window, XFreeDeleter> owned(children);
  for (unsigned i = 0; i < count; ++i) {
    XWindowAttributes a{};
    if (XGetWindowAttributes(d, children[i], &a) != 0)
      windows_.place(children[i], Rect{a.x, a.y, a.width + 2 * a.border_width, a.height + 2 * a.border_width});
  }
}

std::expected<void, Error> X11Capturer::init_extensions() {
  Display* d = display_.get();
  int error_base = 0, major = 0, minor = 0;
  if (!XShmQueryExtension(d)) return std::unexpected(unavailable("X server lacks MIT-SHM"));
  if (!XDamageQueryExtension(d, &damage_event_, &error_base)) return std::unexpected(unavailable("no DAMAGE"));
  if (!XFixesQueryExtension(d, &xfixes_event_, &error_base) || !XFixesQueryVersion(d, &major, &minor) ||
      major < 2) {
    return std::unexpected(unavailable("X server lacks XFIXES 2"));
  }
  if (!XRRQueryExtension(d, &randr_event_, &error_base) || !XRRQueryVersion(d, &major, &minor)) {
    randr_event_ = -1;
  }
  randr_monitors_ = randr_event_ >= 0 && (major > 1 || minor >= 5);
  if (options_.monitor >= 0 && !randr_monitors_) return std::unexpected(unavailable("monitor selection needs RandR 1.5"));
  return {};
}

// Re-reads the monitors and returns the area to capture. At start a chosen monitor that is not there is an
// error (a wrong --monitor fails before a code is shown); later the choice follows its monitor through
// the change, or falls back to the whole screen when it went away.
std::expected<Rect, Error> X11Capturer::refresh_layout() {
  XWindowAttributes attributes{};
  if (!XGetWindowAttributes(display_.get(), root_, &attributes) || connection_.lost) {
    return std::unexpected(unavailable(std::string(kDisplayClosedReason)));
  }
  std::vector<Monitor> monitors = randr_monitors_ ? query_x11_monitors(display_.get(), root_) : std::vector<Monitor>{};
  const bool started = shm_ != nullptr;
  if (monitors != monitors_) {
    if (started) selected_ = follow_selection(monitors_, selected_, monitors);
    monitors_ = std::move(monitors);
    ++generation_;
  }
  auto area = monitor_area(monitors_, selected_, attributes.width, attributes.height);
  if (!area && !started) {
    if (selected_ >= static_cast<int>(monitors_.size()))
      return std::unexpected(unavailable("monitor " + std::to_string(selected_) + " not present (" +
                                         std::to_string(monitors_.size()) + " monitors)"));
    return std::unexpected(unavailable("monitor lies outside the screen"));
  }
  if (!area) {
    selected_ = -1;
    ++generation_;
    area = Rect{0, 0, attributes.width, attributes.height};
  }
  return *area;
}

// (Re)creates the shared-memory image when the captured geometry changed, and asks for a full frame.
std::expected<void, Error> X11Capturer::reconfigure() {
  auto area = refresh_layout();
  if (!area) return std::unexpected(area.error());
  if (shm_ && *area == area_) return {};
  if (area->width > limits::kMaxScreenDimension || area->height > limits::kMaxScreenDimension) {
    return std::unexpected(unavailable("screen larger than the protocol allows"));
  }
  shm_.reset();
  auto shm = ShmImage::create(display_.get(), screen_, area->width, area->height);
  if (!shm) return std::unexpected(shm.error());
  shm_ = std::move(*shm);
  // Another monitor of the same size is new content too: the encoder restarts from a keyframe.
  size_changed_ = size_changed_ || !frame_.pixels.empty();
  area_ = *area;
  ++generation_;
  frame_ = BgraImage::make(area_.width, area_.height);
  need_full_ = true;
  return {};
}

bool X11Capturer::select_monitor(int index) {
  if (index < -1 || index >= static_cast<int>(monitors_.size())) return false;
  if (index == selected_) return true;
  const int before = selected_;
  selected_ = index;
  if (auto ok = reconfigure(); !ok) {
    selected_ = before;
    geometry_pending_ = true;  // the next capture() re-reads the screen and reports what failed
    return false;
  }
  ++generation_;
  return true;
}

std::expected<void, Error> X11Capturer::process_events() {
  Display* d = display_.get();
  checked_request_ = NextRequest(d);
  XPending(d);  // once, then what it queued: each call reads the socket (a failed recvmsg when idle)
  while (!connection_.lost && XQLength(d) > 0) {
    XEvent event;
    XNextEvent(d, &event);
    handle(event);
  }
  if (connection_.lost) return std::unexpected(unavailable(std::string(kDisplayClosedReason)));
  return {};
}

void X11Capturer::handle(XEvent& event) {
  if (pointer_.handle(event)) return;
  if (event.type == damage_event_ + XDamageNotify) {
    if (!damage_pending_ && times_.damage_seen_us == 0 && capture_trace_on()) {
      times_.damage_seen_us = steady_us(Clock::now());
      times_.damage_server_ms = reinterpret_cast<const XDamageNotifyEvent&>(event).timestamp;
    }
    damage_pending_ = true;
    settle_.damage_seen(Clock::now());
  } else if (event.type == xfixes_event_ + XFixesCursorNotify) {
    cursor_pending_ = true;
  } else if (randr_event_ >= 0 &&
             (event.type == randr_event_ + RRScreenChangeNotify || event.type == randr_event_ + RRNotify)) {
    XRRUpdateConfiguration(&event);
    geometry_pending_ = true;
  } else if (event.type == ConfigureNotify && event.xconfigure.window == root_) {
    geometry_pending_ = true;
  } else if (event.type == ConfigureNotify && event.xconfigure.event == root_) {
    const XConfigureEvent& c = event.xconfigure;
    // A restack alone (the bench's marker raises itself at every flip) is no motion.
    if (windows_.place(c.window, Rect{c.x, c.y, c.width + 2 * c.border_width, c.height + 2 * c.border_width}))
      settle_.window_configured(Clock::now());
  } else if (event.type == CreateNotify && event.xcreatewindow.parent == root_) {
    const XCreateWindowEvent& c = event.xcreatewindow;
    windows_.place(c.window, Rect{c.x, c.y, c.width + 2 * c.border_width, c.height + 2 * c.border_width});
  } else if (event.type == DestroyNotify && event.xdestroywindow.event == root_) {
    windows_.forget(event.xdestroywindow.window);
  } else if (event.type == ReparentNotify && event.xreparent.event == root_ && event.xreparent.parent != root_) {
    windows_.forget(event.xreparent.window);  // framed by the window manager: its frame is what moves
  }
}

// Window moves between the previous returned frame and the grab just made, as the grab saw them. The
// grab's reply comes after every event the server sent before it, so those are queued; but the XSync
// after the grab queues events that came after it too (a window dragged on, a pixel later): those wait
// for the next frame, else a hint would name a place the picture does not show yet and the move would be
// lost to VP8 for two frames.
std::vector<WindowMove> X11Capturer::moves_since_last_frame() {
  Display* d = display_.get();
  const unsigned long grabbed = shm_->grab_serial();
  while (!connection_.lost && XEventsQueued(d, QueuedAlready) > 0) {
    XEvent event;
    XPeekEvent(d, &event);
    if (event.xany.serial >= grabbed) break;  // the server had read the grab when it sent this
    XNextEvent(d, &event);
    handle(event);
  }
  std::vector<WindowMove> moves = windows_.take_moves();
  for (WindowMove& m : moves) {
    m.from.x -= area_.x;
    m.from.y -= area_.y;
    m.to.x -= area_.x;
    m.to.y -= area_.y;
  }
  return moves;
}

// Fetches and clears the server's accumulated damage, in capture-area coordinates, onto `out`.
void X11Capturer::take_damage(std::vector<Rect>& out) {
  XDamageSubtract(display_.get(), damage_, None, region_);
  int count = 0;
  std::unique_ptr<XRectangle, XFreeDeleter> rects(XFixesFetchRegion(display_.get(), region_, &count));
  for (int i = 0; rects && i < count; ++i) {
    const XRectangle& r = rects.get()[i];
    out.push_back(Rect{r.x - area_.x, r.y - area_.y, r.width, r.height});
  }
}

// Grabs the area; `damage` == nullptr means a full frame, otherwise only confirmed blocks are reported.
std::expected<std::optional<CapturedFrame>, Error> X11Capturer::grab(const std::vector<Rect>* damage, Moves moves) {
  const auto started = Clock::now();
  if (!shm_->grab(root_, area_.x, area_.y)) {
    if (connection_.lost) return std::unexpected(unavailable(std::string(kDisplayClosedReason)));
    geometry_pending_ = true;  // most likely the screen shrank under us: re-query before the retry
    return std::unexpected(make_error(ErrorCode::io, "XShmGetImage failed"));
  }
  CapturedFrame frame;
  if (moves == Moves::take) frame.moves = moves_since_last_frame();
  if (damage == nullptr) {
    history_.forget();
    copy_full(frame_, shm_->data(), shm_->stride());
    frame.dirty = {Rect{0, 0, area_.width, area_.height}};
  } else {
    history_.catch_up(frame_);
    // A window that moved after the damage was taken, before the grab, is not in it yet: its old and new
    // places are compared too (clipped there), so the picture shows the whole window where its hint says.
    std::vector<Rect> with_moves;
    if (!frame.moves.empty()) {
      with_moves = *damage;
      for (const WindowMove& m : frame.moves) with_moves.insert(with_moves.end(), {m.from, m.to});
    }
    BlockChanges changes = update_changed_blocks(frame_, shm_->data(), shm_->stride(),
                                                 frame.moves.empty() ? *damage : with_moves);
    if (changes.dirty.empty()) return std::optional<CapturedFrame>{};
    frame.dirty = std::move(changes.dirty);
    frame.changed = std::move(changes.changed);
  }
  frame.image = &frame_;
  frame.size_changed = std::exchange(size_changed_, false);
  history_.hand_out(frame);
  need_full_ = false;
  frame.capture_time_us = steady_us(started);
  frame.capture_us = static_cast<std::uint32_t>(steady_us(Clock::now()) - frame.capture_time_us);
  if (capture_trace_on()) {
    times_.grab_start_us = frame.capture_time_us;
    times_.grab_end_us = frame.capture_time_us + frame.capture_us;
    for (const Rect& r : frame.dirty) times_.dirty_pixels += static_cast<long>(r.width) * r.height;
    trace_grab(std::exchange(times_, GrabTimes{}));
  }
  return frame;
}

// Waits for the X server to send something, up to `deadline`; over early when woken, or when the pointer
// moved (the capture loop asks for it between captures) unless `pointer` says it waits.
std::expected<X11Capturer::Waited, Error> X11Capturer::wait_until(Clock::time_point deadline, Pointer pointer) {
  // A round trip since the events were last read (a grab that found nothing changed) may have read
  // damage off the socket along with its reply: the socket then shows nothing, and a poll would sleep to
  // the deadline with a change waiting. process_events() takes it first.
  if (XQLength(display_.get()) > 0 || NextRequest(display_.get()) != checked_request_) return Waited::on;
  const auto moved = pointer == Pointer::ends_wait ? pointer_.wake_at() : std::nullopt;
  const bool for_pointer = moved && *moved < deadline;
  const auto until = for_pointer ? *moved : deadline;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  pollfd p[2] = {{XConnectionNumber(display_.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  const int ready = poll(p, 2, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
  if (ready > 0 && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
    connection_.lost = true;
    mark_x11_display_closed();
    return std::unexpected(unavailable(std::string(kDisplayClosedReason)));
  }
  if (ready > 0 && (p[1].revents & POLLIN) != 0) {
    std::uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof count);
    return Waited::over;
  }
  if (ready == 0 && for_pointer) {
    pointer_.woke(Clock::now());
    return Waited::over;
  }
  return Waited::on;
}

std::expected<std::optional<CapturedFrame>, Error> X11Capturer::capture(std::chrono::milliseconds wait,
                                                                        bool force_full) {
  const auto deadline = Clock::now() + wait;
  if (capture_trace_on()) times_.called_us = steady_us(Clock::now());
  for (;;) {
    if (auto ok = process_events(); !ok) return std::unexpected(ok.error());
    if (std::exchange(geometry_pending_, false)) {
      if (auto ok = reconfigure(); !ok) return std::unexpected(ok.error());
    }
    if (force_full || need_full_) {
      XDamageSubtract(display_.get(), damage_, None, None);  // the full grab covers all pending damage
      damage_pending_ = false;
      held_damage_.clear();
      settle_.grabbed();
      return grab(nullptr);
    }
    const bool fresh = std::exchange(damage_pending_, false);
    if (fresh || !held_damage_.empty()) {
      std::vector<Rect> damage = std::exchange(held_damage_, {});
      if (fresh) take_damage(damage);
      if (const auto until = settle_.hold_until(damage, Clock::now())) {
        held_damage_ = std::move(damage);  // more of the burst may come: wait for it, or for its bound
        if (fresh) {  // a marker or a glyph apart from the burst does not wait for it
          auto pieces = grab_apart();
          if (!pieces || *pieces) return pieces;
        }
        // A window dragged with the mouse moves the pointer all the while: the held frame goes first.
        auto waited = wait_until(*until, Pointer::waits);
        if (!waited) return std::unexpected(waited.error());
        if (*waited == Waited::over) return std::optional<CapturedFrame>{};
        continue;
      }
      settle_.grabbed();
      auto frame = damage.empty() ? std::optional<CapturedFrame>{} : grab(&damage);
      if (!frame || *frame) return frame;
      times_.damage_seen_us = 0;  // nothing changed after all: the next damage starts the next frame
    }
    if (Clock::now() >= deadline) return std::optional<CapturedFrame>{};
    auto waited = wait_until(deadline);
    if (!waited) return std::unexpected(waited.error());
    if (*waited == Waited::over) return std::optional<CapturedFrame>{};
  }
}

// Grabs the pieces of held_damage_ that are small and apart from the rest (a frame of them alone), leaving
// the rest held; nothing when there are none, or too many to be anything but a busy screen.
std::expected<std::optional<CapturedFrame>, Error> X11Capturer::grab_apart() {
  const std::vector<bool> apart = small_and_apart(held_damage_);
  std::vector<Rect> pieces, rest;
  for (std::size_t i = 0; i < held_damage_.size(); ++i) (apart[i] ? pieces : rest).push_back(held_damage_[i]);
  if (pieces.empty() || pieces.size() > kMaxApartPieces) return std::optional<CapturedFrame>{};
  held_damage_ = std::move(rest);
  auto frame = grab(&pieces, Moves::leave);
  if (frame && !*frame) times_.damage_seen_us = 0;  // nothing changed after all
  // Nothing left held: the burst those pieces began is over. A window that moves later starts its own
  // (else the hold's bound would count from a marker flipped long before, and hold nothing).
  if (frame && held_damage_.empty()) settle_.grabbed();
  return frame;
}

// The damage taken here stays in held_damage_ until capture() (or a full grab) takes it; only the pieces
// split off leave it. Window moves stay for capture(): a piece that small is never part of one.
std::expected<std::optional<CapturedFrame>, Error> X11Capturer::capture_apart(std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  for (;;) {
    if (auto ok = process_events(); !ok) return std::unexpected(ok.error());
    if (geometry_pending_ || need_full_) return std::optional<CapturedFrame>{};
    if (std::exchange(damage_pending_, false)) {
      take_damage(held_damage_);
      auto frame = grab_apart();
      if (!frame || *frame) return frame;
    }
    if (Clock::now() >= deadline) return std::optional<CapturedFrame>{};
    auto waited = wait_until(deadline);
    if (!waited) return std::unexpected(waited.error());
    if (*waited == Waited::over) return std::optional<CapturedFrame>{};
  }
}

std::expected<CursorState, Error> X11Capturer::cursor() {
  if (auto ok = process_events(); !ok) return std::unexpected(ok.error());
  CursorState state;
  const bool asked = pointer_.take_due(Clock::now());
  if (std::exchange(cursor_pending_, false)) {
    std::unique_ptr<XFixesCursorImage, XFreeDeleter> image(XFixesGetCursorImage(display_.get()));
    if (!image) return std::unexpected(make_error(ErrorCode::io, "XFixesGetCursorImage failed"));
    pointer_x_ = image->x;
    pointer_y_ = image->y;
    if (static_cast<std::uint32_t>(image->cursor_serial) != cursor_serial_ && image->width > 0 && image->height > 0) {
      state.shape = convert_cursor(*image);
      cursor_serial_ = state.shape->serial;
    }
  } else if (asked) {
    Window root_return = 0, child = 0;
    int win_x = 0, win_y = 0;
    unsigned mask = 0;
    XQueryPointer(display_.get(), root_, &root_return, &child, &pointer_x_, &pointer_y_, &win_x, &win_y, &mask);
  }
  state.x = pointer_x_ - area_.x;
  state.y = pointer_y_ - area_.y;
  if (connection_.lost) return std::unexpected(unavailable(std::string(kDisplayClosedReason)));
  state.visible = state.x >= 0 && state.y >= 0 && state.x < area_.width && state.y < area_.height;
  return state;
}

}  // namespace

std::expected<std::unique_ptr<ScreenCapturer>, Error> make_x11_capturer(const X11CaptureOptions& options) {
  auto capturer = std::make_unique<X11Capturer>(options);
  if (auto ok = capturer->init(); !ok) return std::unexpected(ok.error());
  return capturer;
}

}  // namespace elfdesk::host
