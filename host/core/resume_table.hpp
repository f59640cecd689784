// The host's resumable session: at most one (the host runs one session at a time), with its current
// resume secret, whether its transport is down and since when, and the window (60 s) it may come back
// in. Decides a ResumeRequest: right ticket, valid proof for the new connection, inside the window, not
// ended. Network thread only; time comes from an injected Clock (tests use ManualClock).
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>

#include "common/auth/resume_secret.hpp"
#include "common/clock.hpp"

namespace elfdesk::host {

inline constexpr std::chrono::milliseconds kDefaultResumeWindow{60000};
inline constexpr int kMaxResumeFailures = 5;  // wrong proofs before the session stops being resumable

class ResumeTable {
 public:
  enum class Refusal { none_open, unknown_ticket, bad_proof, expired, too_many_failures };

  ResumeTable(const Clock& clock, std::chrono::milliseconds window) : clock_(clock), window_(window) {}

  // A session was admitted (code and consent): it may resume with `secret` until close().
  void open(auth::ResumeSecret secret);
  // Its transport dropped now (kept if already dropped: the gap counts from the first loss).
  void dropped();
  // The session ended for good (Goodbye from either side, the customer, the window passed).
  void close();

  bool is_open() const { return secret_.has_value(); }
  bool is_dropped() const { return dropped_at_.has_value(); }
  // Dropped and the window has passed: the session must end now.
  bool expired() const;
  // When the window of the current gap closes; nullopt while connected or when nothing is open.
  std::optional<std::chrono::steady_clock::time_point> deadline() const;
  std::chrono::milliseconds window() const { return window_; }
  int failures() const { return failures_; }

  // A ResumeRequest on a new connection whose channel binding is `exporter`. On success returns how long
  // the session was without a connection (0 if its loss had not been noticed yet) and steps the secret
  // to next(exporter): the proof just used is worth nothing from now on. A wrong proof counts; after
  // kMaxResumeFailures the session is no longer resumable.
  std::expected<std::chrono::milliseconds, Refusal> resume(std::span<const std::uint8_t> ticket,
                                                           std::span<const std::uint8_t> proof,
                                                           std::span<const std::uint8_t> exporter);

  // Plain words for the audit log and the engineer.
  static std::string describe(Refusal refusal);

 private:
  const Clock& clock_;
  std::chrono::milliseconds window_;
  std::optional<auth::ResumeSecret> secret_;
  std::optional<std::chrono::steady_clock::time_point> dropped_at_;
  int failures_ = 0;
};

}  // namespace elfdesk::host
