// InputGuard: the gate every engineer input message passes before it reaches the InputInjector.
// Rejects impossible values (off-screen coordinates, unknown buttons, bad keys, invalid or oversized text)
// and rate-limits with a token bucket. Keeps counts for the audit log, never content.
// Owned by the session, used on its network thread; not thread-safe. Time is passed in (testable).
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <string_view>

#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

struct InputGuardConfig {
  int screen_width = 0;   // pointer coordinates must lie in [0, width) x [0, height)
  int screen_height = 0;
  double events_per_second = 1000.0;  // sustained token refill rate
  double burst = 200.0;               // bucket size
  int max_wheel_steps = 64;           // per event and axis
};

class InputGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // Accepted / dropped events since the last take_counts(); the audit log records one line a minute.
  struct Counts {
    std::uint64_t accepted = 0;
    std::uint64_t rejected_invalid = 0;  // failed validation
    std::uint64_t rejected_rate = 0;     // over the rate limit
    friend bool operator==(const Counts&, const Counts&) = default;
  };

  explicit InputGuard(InputGuardConfig config, Clock::time_point now = Clock::now());

  // Each check validates, then takes tokens. An error means: drop the event (and count it).
  // Text costs 1 + bytes/64 tokens so a paste cannot flood the host with keystrokes.
  std::expected<void, Error> check_key(const protocol::KeyEvent& event, Clock::time_point now);
  std::expected<void, Error> check_text(std::string_view utf8, Clock::time_point now);
  std::expected<void, Error> check_pointer(const protocol::PointerEvent& event, Clock::time_point now);

  // The screen was resized (new capture geometry).
  void set_screen_size(int width, int height);

  const Counts& counts() const { return counts_; }
  // Returns the counts and starts a new period (call once a minute for the audit log).
  Counts take_counts();

 private:
  std::expected<void, Error> admit(std::expected<void, Error> valid, double cost, Clock::time_point now);
  InputGuardConfig config_;
  double tokens_;
  Clock::time_point last_refill_;
  Counts counts_;
};

// Pure validation used by the checks above (no counting, no rate limit).
std::expected<void, Error> validate_key(const protocol::KeyEvent& event);
std::expected<void, Error> validate_text(std::string_view utf8);
std::expected<void, Error> validate_pointer(const protocol::PointerEvent& event, const InputGuardConfig& config);

}  // namespace elfdesk::host
