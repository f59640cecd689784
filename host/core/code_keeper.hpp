// Keeps the host's one-time session code: fresh, single use, valid for a TTL, and replaced after a
// session ends, when it expires, and after kMaxFailures wrong attempts. Lives on the network thread.
// Every new code is announced through the on_issued callback (terminal, code file, consent window).
#pragma once
#include <chrono>
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

  CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued);

  // The code an authentication attempt must use now; std::nullopt while one is in use by a session.
  // Rotates first if the current code has expired.
  std::optional<std::string> current();
  // A wrong attempt against `digits`. Rotates after kMaxFailures wrong attempts on the same code.
  void record_failure(const std::string& digits);
  // A successful attempt: the code is used up until release() issues a new one.
  void consume(const std::string& digits);
  // The session that used the code ended: issue a fresh one.
  void release();
  // Rotates if expired; returns the time until the current code expires (for the caller's timer).
  std::chrono::steady_clock::duration tick();
  void rotate(const std::string& why);

  int failures() const { return failures_; }

 private:
  const Clock& clock_;
  std::chrono::seconds ttl_;
  OnIssued on_issued_;
  std::string digits_;
  std::chrono::steady_clock::time_point issued_at_;
  int failures_ = 0;
  bool in_use_ = false;
};

}  // namespace elfdesk::host
