// X11 pieces of the benchmark probe: a display connection, the marker square on display A and the
// watcher that sees display B (where the viewer runs) through XDamage. Single-threaded; each object owns
// its X resources. Xlib stays inside x_session.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bench {

std::uint64_t now_us();

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
  bool intersects(const Box& o) const { return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h; }
  bool inside(const Box& o) const { return x >= o.x && y >= o.y && x + w <= o.x + o.w && y + h <= o.y + o.h; }
};

enum class Shade { black, white, other };

// One X display connection (closed on destruction).
class XConnection {
 public:
  explicit XConnection(const std::string& name);
  ~XConnection();
  XConnection(const XConnection&) = delete;
  XConnection& operator=(const XConnection&) = delete;
  void* display() const { return display_; }
  int fd() const;
  int width() const;
  int height() const;
  // Average colour of a small area of the root window, classified as black / white / neither.
  Shade shade_at(const Box& area) const;
  // Root pixels as packed 0xRRGGBB (plain XGetImage: slow, only for PSNR).
  std::vector<std::uint32_t> grab(const Box& area) const;

 private:
  void* display_ = nullptr;
};

// An override-redirect square on display A whose colour the probe flips; it can also take keyboard focus
// and turn white on 'w' and black on 'k' (for input latency).
class Marker {
 public:
  Marker(XConnection& a, Box box);
  ~Marker();
  void set(Shade shade);  // repaint, raise, flush
  void focus();
  // Handles pending events on A; returns the shade a key press asked for, if any.
  std::optional<Shade> pump();
  const Box& box() const { return box_; }

 private:
  XConnection& a_;
  Box box_;
  unsigned long window_ = 0;
  Shade shade_ = Shade::black;
};

// Watches display B's root through XDamage: counts update bursts (frames shown) and notices when the
// marker area may have changed.
class Watcher {
 public:
  Watcher(XConnection& b, Box marker_on_b);
  ~Watcher();
  // Drains pending damage events; returns true if any touched the marker area.
  bool pump();
  // Damage bursts (events closer than kBurstGapUs merge) that touched more than the marker area.
  int bursts() const { return bursts_; }
  void reset_bursts() { bursts_ = 0; }

 private:
  static constexpr std::uint64_t kBurstGapUs = 4000;
  XConnection& b_;
  Box marker_;
  unsigned long damage_ = 0;
  int event_base_ = 0;
  std::uint64_t last_event_us_ = 0;
  int bursts_ = 0;
};

}  // namespace bench
