// What the network thread hands to the main thread besides pictures (those go through the UpdateQueue):
// the newest cursor shape and position and remote clipboard text (only the latest of each matters), and
// small tasks to run there (e.g. show a triage report). Thread-safe; owned by the command so that it
// outlives both threads. Also the session's statistics, written on either thread and read on the main one.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace elfdesk::client {

class MainMailbox {
 public:
  struct Contents {
    std::optional<protocol::CursorShape> cursor_shape;
    std::optional<protocol::CursorPosition> cursor_position;
    std::optional<std::string> clipboard;  // text copied on the host
    std::vector<std::function<void()>> tasks;  // in posting order
  };

  // Called (outside the lock, on the putting thread) after each put; typically SdlPresenter::waker().
  void set_waker(std::function<void()> waker);
  void put_cursor_shape(protocol::CursorShape shape);
  void put_cursor_position(protocol::CursorPosition position);
  void put_clipboard(std::string text);
  void post(std::function<void()> task);
  Contents take();  // main thread

 private:
  template <class F>
  void put(F&& store);

  std::mutex mutex_;
  Contents contents_;
  std::function<void()> waker_;
};

// Counters for the statistics overlay: bytes and pictures as received and decoded. Host timings and the latency estimate are those of the newest
// acknowledged picture; latency is an estimate because the clocks are not shared: host work (capture,
// encode, queue) + half a round trip + decode + present.
struct SessionStats {
  std::atomic<std::uint64_t> bytes{0}, pictures{0};
  std::atomic<std::uint64_t> round_trip_us{0}, decode_us{0}, present_us{0}, latency_us{0};
  // The host's newest PathReport (all 0 until one came, path_reports counts them): its estimate of the path.
  std::atomic<std::uint64_t> path_reports{0};
  std::atomic<std::uint32_t> path_min_rtt_us{0}, path_delivery_kbps{0}, path_target_kbps{0}, path_queue_us{0};
  std::atomic<std::uint32_t> path_bytes_in_flight{0}, path_frames_in_flight{0};
};

}  // namespace elfdesk::client
