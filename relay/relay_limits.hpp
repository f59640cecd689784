// The relay's abuse limits and deadlines (defaults in docs/relay.md; `--limit NAME=VALUE` overrides),
// and the per-source-address token buckets that enforce the rate limits. Network thread only.
#pragma once
#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "protocol/error.hpp"

namespace elfdesk::relay {

struct RelayLimits {
  // Per source address: registrations and joins as token buckets (a burst, then one per interval),
  // and open connections at once.
  int registration_burst = 20;
  std::chrono::milliseconds registration_every{3000};
  int join_burst = 20;
  std::chrono::milliseconds join_every{3000};
  int connections_per_address = 256;
  // Joins one id may receive in its life (the host counts wrong secrets too, and rotates after 5).
  int joins_per_id = 10;
  std::size_t max_registrations = 50000;  // ids held by this node at once
  // Deadlines.
  std::chrono::milliseconds tls_handshake{10000};
  std::chrono::milliseconds first_message{10000};  // after the handshake
  std::chrono::milliseconds accept{8000};          // Incoming -> the host's Accept (engineers wait 10 s)
  std::chrono::milliseconds ping_every{15000};     // on control connections
  std::chrono::milliseconds control_idle{45000};   // nothing from a host for this long: dead
  // A session's id (Bind) stays reserved for its host's Reclaim this long after its control connection
  // ended: longer than the session's 60 s resume window.
  std::chrono::milliseconds bound_keep{120000};
  std::chrono::milliseconds splice_idle{120000};   // no byte either way (the inner session pings every 5 s)
  std::chrono::milliseconds half_open{30000};      // one side ended: the other gets this long to end too
  std::chrono::seconds directory_lease{30};        // Redis key life, renewed while the host is registered
};

// Applies "name=value" (durations in milliseconds, names as in `elfdesk-relay --help`).
std::expected<void, Error> apply_limit(RelayLimits& limits, const std::string& assignment);
// The names, defaults and meanings for --help.
std::string describe_limits(const RelayLimits& limits);

// A token bucket per source address. The table is bounded: past kMaxAddresses, addresses whose
// bucket is full again are forgotten (they would be allowed anyway), then the oldest.
class RateLimiter {
 public:
  static constexpr std::size_t kMaxAddresses = 65536;
  RateLimiter(const Clock& clock, int burst, std::chrono::milliseconds every)
      : clock_(clock), burst_(burst), every_(every) {}
  // Takes one token for `address`; false when it has none left.
  bool allow(const std::string& address);
  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
  };
  void refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const;
  void forget_some(std::chrono::steady_clock::time_point now);

  const Clock& clock_;
  int burst_;
  std::chrono::milliseconds every_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Open connections per source address.
class AddressCounter {
 public:
  explicit AddressCounter(int max_per_address) : max_(max_per_address) {}
  bool try_open(const std::string& address);
  void close(const std::string& address);

 private:
  int max_;
  std::unordered_map<std::string, int> open_;
};

}  // namespace elfdesk::relay
