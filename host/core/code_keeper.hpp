// Keeps the host's one-time session code: fresh, single use, valid for a TTL, and replaced after a
// session ends, when it expires, and after kMaxFailures wrong attempts. Lives on the network thread.
// Every new code is announced through the on_issued callback (terminal, code file, consent window).
// Relay mode: a code is the relay's routing id + kRelaySecretDigits local digits, and every new code
// needs a new id: a rotation leaves no code (current() is empty) and asks for an id (on_id_needed);
// set_routing_id() then issues the code.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.hpp"

namespace elfdesk::host {

class CodeKeeper {
 public:
  static constexpr int kMaxFailures = 5;
  using OnIssued = std::function<void(const std::string& digits, std::chrono::seconds valid_for,
                                      const std::string& why)>;

  // One guess against one generation of the code, reserved when the engineer's SPAKE2 share arrives.
  struct Attempt {
    std::uint64_t generation = 0;
    std::string digits;
  };
  enum class Refusal { in_use, too_many_attempts };

  using OnIdNeeded = std::function<void(const std::string& why)>;

  // Direct mode: issues its first code at once.
  CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued);
  // Relay mode: no code until set_routing_id().
  CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued, OnIdNeeded on_id_needed);

  // The code an authentication attempt must use now; std::nullopt while one is in use by a session.
  // Rotates first if the current code has expired.
  std::optional<std::string> current();
  // Reserves one of the kMaxFailures guesses of the current code: refused while the code is in use, or
  // when failures + attempts in flight already reach kMaxFailures (parallel connections get no more).
  std::expected<Attempt, Refusal> begin_attempt();
  // The attempt ended without success: frees its reservation and counts a wrong guess against its
  // generation (none if the code was replaced meanwhile). Rotates after kMaxFailures wrong guesses.
  void fail_attempt(const Attempt& attempt);
  // SPAKE2 verified: is the attempt's code still the current, unexpired, unused one?
  bool still_current(const Attempt& attempt);
  // A successful attempt: the code is used up until release() issues a new one. False if it is no
  // longer current (the caller must then refuse the engineer).
  bool consume(const Attempt& attempt);
  // The session that used the code ended: issue a fresh one.
  void release();
  // Rotates if expired; returns the time until the current code expires (for the caller's timer).
  std::chrono::steady_clock::duration tick();
  void rotate(const std::string& why);
  // Relay mode: registered under `id`, which the relay keeps for `valid_for`: issues id + a new secret
  // (valid for the shorter of the two TTLs). Ignored while a session uses the current code: its end
  // asks for another id anyway.
  void set_routing_id(const std::string& id, std::chrono::seconds valid_for, const std::string& why);
  // Relay mode: the id is gone with the relay connection: no code until the next set_routing_id().
  void drop_routing_id();
  bool has_code() const { return !digits_.empty(); }

  int failures() const { return failures_; }
  int in_flight() const { return in_flight_; }
  std::uint64_t generation() const { return generation_; }

 private:
  const Clock& clock_;
  std::chrono::seconds ttl_;
  OnIssued on_issued_;
  OnIdNeeded on_id_needed_;  // set: relay mode
  std::string digits_;       // empty: no code (relay mode, waiting for an id)
  std::chrono::seconds code_ttl_;  // this code's validity (relay mode: also bounded by the relay's TTL)
  std::string pending_why_;  // why the code that set_routing_id() issues next was needed
  std::chrono::steady_clock::time_point issued_at_;
  std::uint64_t generation_ = 0;
  int failures_ = 0;
  int in_flight_ = 0;
  bool in_use_ = false;
};

}  // namespace elfdesk::host
