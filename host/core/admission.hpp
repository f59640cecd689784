// Per-source-address limits before authentication, so that one stranger cannot lock the customer's
// engineer out: pending connections per address, a doubling back-off after wrong guesses, and the
// wrong-code counts the customer is shown. Network thread only (not synchronised).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"

namespace elfdesk::host {

class Admission {
 public:
  struct Limits {
    int max_pending_per_address = 2;
    std::chrono::seconds first_backoff{2};  // after the first wrong guess; doubles per further one
    std::chrono::seconds max_backoff{300};
  };
  // Addresses remembered at most (older idle ones are forgotten first): an attacker with many
  // addresses cannot grow the table without bound.
  static constexpr std::size_t kMaxAddresses = 4096;
  static constexpr std::chrono::milliseconds kTurnPoll{50};  // how often a waiting guess looks again

  Admission(const Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}

  // A connection from `address` wants a pending slot; false if the address already holds its share.
  bool try_open(const std::string& address);
  void close(const std::string& address);
  // How long `address` must still wait before its next guess is tried (zero: now). An address guesses
  // one connection at a time: while one of its guesses runs, the others wait their turn.
  std::chrono::steady_clock::duration wait_before_guess(const std::string& address) const;
  void begin_guess(const std::string& address);
  void end_guess(const std::string& address);
  // A wrong guess from `address`: starts or doubles its back-off. Returns its wrong guesses so far.
  int record_failure(const std::string& address);
  // The right code from `address`: its back-off ends.
  void record_success(const std::string& address);
  int total_failures() const { return total_failures_; }

 private:
  struct Entry {
    int pending = 0;
    int failures = 0;  // wrong guesses since the last success
    bool guessing = false;
    std::chrono::steady_clock::time_point next_guess{};
  };
  Entry& entry(const std::string& address);
  void forget_idle();

  const Clock& clock_;
  Limits limits_;
  std::unordered_map<std::string, Entry> entries_;
  int total_failures_ = 0;
};

// "3 wrong codes tried from 198.51.100.7" (and the total when several addresses tried).
std::string describe_failed_attempts(int from_address, const std::string& address, int total);

// The address part of "1.2.3.4:5678" or "[::1]:5678" (a bare address stays as it is).
std::string address_of(const std::string& peer);

}  // namespace elfdesk::host
