#include "relay/relay_limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace elfdesk::relay {
namespace {

using std::chrono::milliseconds;

// One row per limit: its name on the command line, what it means, and how to reach it.
struct LimitField {
  const char* name;
  const char* meaning;
  long (*get)(const RelayLimits&);
  void (*set)(RelayLimits&, long);
};

#define ELFDESK_COUNT(member) \
  [](const RelayLimits& l) { return static_cast<long>(l.member); }, \
  [](RelayLimits& l, long v) { l.member = static_cast<decltype(l.member)>(v); }
#define ELFDESK_MILLIS(member) \
  [](const RelayLimits& l) { return static_cast<long>(l.member.count()); }, \
  [](RelayLimits& l, long v) { l.member = milliseconds(v); }

const std::vector<LimitField>& fields() {
  static const std::vector<LimitField> table = {
      {"registration_burst", "registrations per address before the rate applies", ELFDESK_COUNT(registration_burst)},
      {"registration_every_ms", "then one registration per address per this long", ELFDESK_MILLIS(registration_every)},
      {"join_burst", "joins per address before the rate applies", ELFDESK_COUNT(join_burst)},
      {"join_every_ms", "then one join per address per this long", ELFDESK_MILLIS(join_every)},
      {"connections_per_address", "open connections per address", ELFDESK_COUNT(connections_per_address)},
      {"joins_per_id", "joins one id may receive", ELFDESK_COUNT(joins_per_id)},
      {"max_registrations", "ids this node holds at once", ELFDESK_COUNT(max_registrations)},
      {"tls_handshake_ms", "deadline for the TLS handshake", ELFDESK_MILLIS(tls_handshake)},
      {"first_message_ms", "deadline for the first message after it", ELFDESK_MILLIS(first_message)},
      {"accept_ms", "deadline from Incoming to the host's Accept", ELFDESK_MILLIS(accept)},
      {"ping_every_ms", "Ping interval on control connections", ELFDESK_MILLIS(ping_every)},
      {"control_idle_ms", "a control connection silent this long is cut", ELFDESK_MILLIS(control_idle)},
      {"bound_keep_ms", "a session's id is kept for its host's Reclaim this long after losing it",
       ELFDESK_MILLIS(bound_keep)},
      {"splice_idle_ms", "a spliced pair with no byte either way this long is cut", ELFDESK_MILLIS(splice_idle)},
      {"half_open_ms", "after one side of a pair ended, the other is cut after", ELFDESK_MILLIS(half_open)},
      {"directory_lease_s", "Redis key life, renewed while the host is registered",
       [](const RelayLimits& l) { return static_cast<long>(l.directory_lease.count()); },
       [](RelayLimits& l, long v) { l.directory_lease = std::chrono::seconds(std::max<long>(v, 1)); }},
  };
  return table;
}

#undef ELFDESK_COUNT
#undef ELFDESK_MILLIS

}  // namespace

std::expected<void, Error> apply_limit(RelayLimits& limits, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "--limit takes NAME=VALUE, not " + assignment));
  const std::string name = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 1'000'000'000)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "bad value for limit " + name + ": " + text));
  for (const auto& field : fields()) {
    if (name != field.name) continue;
    field.set(limits, value);
    return {};
  }
  return std::unexpected(make_error(ErrorCode::invalid_argument, "unknown limit " + name));
}

std::string describe_limits(const RelayLimits& limits) {
  std::string out;
  for (const auto& field : fields())
    out += fmt::format("      {:<24} {:>7}  {}\n", field.name, field.get(limits), field.meaning);
  return out;
}

bool RateLimiter::allow(const std::string& address) {
  const auto now = clock_.now();
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxAddresses) forget_some(now);
    it = buckets_.emplace(address, Bucket{static_cast<double>(burst_), now}).first;
  }
  refill(it->second, now);
  if (it->second.tokens < 1.0) return false;
  it->second.tokens -= 1.0;
  return true;
}

void RateLimiter::refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const {
  const double earned = std::chrono::duration<double>(now - bucket.last) / std::chrono::duration<double>(every_);
  bucket.tokens = std::min<double>(burst_, bucket.tokens + std::max(0.0, earned));
  bucket.last = now;
}

void RateLimiter::forget_some(std::chrono::steady_clock::time_point now) {
  for (auto& [address, bucket] : buckets_) refill(bucket, now);
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.tokens >= burst_; });
  if (buckets_.size() < kMaxAddresses) return;
  auto oldest = std::min_element(buckets_.begin(), buckets_.end(),
                                 [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  buckets_.erase(oldest);
}

bool AddressCounter::try_open(const std::string& address) {
  int& open = open_[address];
  if (open >= max_) return false;
  ++open;
  return true;
}

void AddressCounter::close(const std::string& address) {
  auto it = open_.find(address);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

}  // namespace elfdesk::relay
