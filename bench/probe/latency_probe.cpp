// Latency modes: the probe changes (or has the viewer's user change) a marker square on display A and
// watches display B, where the viewer shows A, until the new shade appears. Times are taken on this one
// process's steady clock, so no clock sync is needed.
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/probe/probe_modes.hpp"
#include "bench/probe/x_session.hpp"

namespace bench {
namespace {

int option_int(const Options& o, const std::string& key, int fallback) {
  const auto it = o.find(key);
  return it == o.end() ? fallback : std::stoi(it->second);
}

std::string option(const Options& o, const std::string& key) {
  const auto it = o.find(key);
  if (it == o.end()) throw std::runtime_error("missing --" + key);
  return it->second;
}

struct Rig {
  XConnection a;
  XConnection b;
  Marker marker;
  Watcher watcher;
  Box sample;  // where on B the marker's centre shows
  std::uint64_t last_check_us = 0;

  static Box marker_box(const Options& o) {
    const int size = option_int(o, "size", 32);
    return Box{option_int(o, "mx", 0), option_int(o, "my", 0), size, size};
  }
  static Box on_b(const Options& o) {
    const Box m = marker_box(o);
    return Box{m.x + option_int(o, "bx", 0), m.y + option_int(o, "by", 0), m.w, m.h};
  }
  explicit Rig(const Options& o)
      : a(option(o, "a")), b(option(o, "b")), marker(a, marker_box(o)), watcher(b, on_b(o)) {
    const Box mb = on_b(o);
    sample = Box{mb.x + mb.w / 2 - 4, mb.y + mb.h / 2 - 4, 8, 8};
  }

  static bool queued(const XConnection& c) {
    return XEventsQueued(static_cast<Display*>(c.display()), QueuedAlready) > 0;
  }

  // Pumps both displays until `until_us`; with `want`, returns early (with the time) once B shows it.
  std::optional<std::uint64_t> run(std::uint64_t until_us, std::optional<Shade> want) {
    while (true) {
      marker.pump();  // key presses on A repaint the marker at once (input mode)
      const bool touched = watcher.pump();
      const std::uint64_t now = now_us();
      // Damage on the marker is the trigger; a slow poll covers any drawing XDamage does not report.
      if (want && (touched || now - last_check_us >= 20000)) {
        last_check_us = now;
        if (b.shade_at(sample) == *want) return now_us();
      }
      if (now >= until_us) return std::nullopt;
      if (queued(a) || queued(b)) continue;
      pollfd fds[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
      const auto left_ms = static_cast<int>((until_us - now) / 1000 + 1);
      poll(fds, 2, std::min(want ? 20 : 100, left_ms));
    }
  }
};

// `starts_us`: when each sample's change was made (steady clock = CLOCK_MONOTONIC, comparable with
// Python's time.monotonic()), so the driver can split latency at the relay.
void print_result(const std::vector<double>& samples, int timeouts, int bursts, double seconds,
                  const std::vector<std::uint64_t>& starts_us = {}) {
  std::printf("{\"samples_ms\":[");
  for (std::size_t i = 0; i < samples.size(); ++i) std::printf("%s%.2f", i ? "," : "", samples[i]);
  std::printf("],\"starts_us\":[");
  for (std::size_t i = 0; i < starts_us.size(); ++i)
    std::printf("%s%llu", i ? "," : "", static_cast<unsigned long long>(starts_us[i]));
  std::printf("],\"timeouts\":%d,\"bursts\":%d,\"seconds\":%.3f}\n", timeouts, bursts, seconds);
  std::fflush(stdout);
}

Shade other(Shade s) { return s == Shade::white ? Shade::black : Shade::white; }

// Shows the marker black and waits until the viewer has caught up, so sampling starts from a known state.
void settle(Rig& rig) {
  rig.marker.set(Shade::black);
  rig.run(now_us() + 5'000'000, Shade::black);
  rig.watcher.reset_bursts();
}

}  // namespace

int run_latency(const Options& o) {
  Rig rig(o);
  settle(rig);
  std::mt19937 random(42);
  std::uniform_int_distribution<int> gap_ms(option_int(o, "gap-min", 250), option_int(o, "gap-max", 450));
  const std::uint64_t start = now_us();
  const std::uint64_t end = start + static_cast<std::uint64_t>(option_int(o, "duration-ms", 12000)) * 1000;
  std::vector<double> samples;
  std::vector<std::uint64_t> starts;
  int timeouts = 0;
  Shade shade = Shade::black;
  while (now_us() < end) {
    rig.run(now_us() + static_cast<std::uint64_t>(gap_ms(random)) * 1000, std::nullopt);
    shade = other(shade);
    const std::uint64_t t0 = now_us();
    rig.marker.set(shade);
    if (auto seen = rig.run(t0 + 3'000'000, shade)) {
      samples.push_back(static_cast<double>(*seen - t0) / 1000.0);
      starts.push_back(t0);
    } else {
      ++timeouts;
    }
  }
  print_result(samples, timeouts, rig.watcher.bursts(), static_cast<double>(now_us() - start) / 1e6, starts);
  return 0;
}

int run_input(const Options& o) {
  Rig rig(o);
  Display* b = static_cast<Display*>(rig.b.display());
  // The viewer window must be under B's pointer to get the keys (no window manager on B).
  XTestFakeMotionEvent(b, -1, option_int(o, "px", 100), option_int(o, "py", 100), CurrentTime);
  XSync(b, False);
  rig.marker.focus();
  settle(rig);
  std::mt19937 random(7);
  std::uniform_int_distribution<int> gap_ms(150, 300);
  const int wanted = option_int(o, "samples", 30);
  std::vector<double> samples;
  std::vector<std::uint64_t> starts;
  int timeouts = 0;
  Shade shade = Shade::black;
  const std::uint64_t start = now_us();
  for (int i = 0; i < wanted; ++i) {
    rig.marker.focus();
    rig.run(now_us() + static_cast<std::uint64_t>(gap_ms(random)) * 1000, std::nullopt);
    shade = other(shade);
    const KeyCode key = XKeysymToKeycode(b, shade == Shade::white ? XK_w : XK_k);
    const std::uint64_t t0 = now_us();
    XTestFakeKeyEvent(b, key, True, CurrentTime);
    XTestFakeKeyEvent(b, key, False, CurrentTime);
    XFlush(b);
    if (auto seen = rig.run(t0 + 3'000'000, shade)) {
      samples.push_back(static_cast<double>(*seen - t0) / 1000.0);
      starts.push_back(t0);
    } else {
      ++timeouts;
      rig.marker.set(shade);  // resynchronise: the key may have been lost, not just late
      rig.run(now_us() + 3'000'000, shade);
    }
  }
  print_result(samples, timeouts, rig.watcher.bursts(), static_cast<double>(now_us() - start) / 1e6, starts);
  return 0;
}

int run_count(const Options& o) {
  XConnection b(option(o, "b"));
  Watcher watcher(b, Box{-10, -10, 1, 1});
  const std::uint64_t start = now_us();
  const std::uint64_t end = start + static_cast<std::uint64_t>(option_int(o, "duration-ms", 8000)) * 1000;
  while (now_us() < end) {
    watcher.pump();
    pollfd fd{b.fd(), POLLIN, 0};
    poll(&fd, 1, 50);
  }
  watcher.pump();
  print_result({}, 0, watcher.bursts(), static_cast<double>(now_us() - start) / 1e6);
  return 0;
}

}  // namespace bench
