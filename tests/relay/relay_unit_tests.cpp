// The relay's pure parts on a manual clock: per-address token buckets, connection counts, limit
// parsing, options, metrics text, id hashing.
#include <doctest/doctest.h>

#include <string>

#include "common/clock.hpp"
#include "relay/event_log.hpp"
#include "relay/metrics.hpp"
#include "relay/relay_limits.hpp"
#include "relay/relay_options.hpp"

using namespace elfdesk;
using namespace elfdesk::relay;
using namespace std::chrono_literals;

TEST_CASE("rate limiter: a burst per address, then one per interval, addresses apart") {
  ManualClock clock;
  RateLimiter limiter(clock, 3, 1000ms);
  for (int i = 0; i < 3; ++i) CHECK(limiter.allow("192.0.2.1"));
  CHECK_FALSE(limiter.allow("192.0.2.1"));
  CHECK(limiter.allow("192.0.2.2"));  // another address has its own bucket
  clock.advance(999ms);
  CHECK_FALSE(limiter.allow("192.0.2.1"));
  clock.advance(1ms);
  CHECK(limiter.allow("192.0.2.1"));
  CHECK_FALSE(limiter.allow("192.0.2.1"));
  clock.advance(1h);  // refills to the burst, never beyond
  for (int i = 0; i < 3; ++i) CHECK(limiter.allow("192.0.2.1"));
  CHECK_FALSE(limiter.allow("192.0.2.1"));
}

TEST_CASE("rate limiter: the address table stays bounded and forgets full buckets first") {
  ManualClock clock;
  RateLimiter limiter(clock, 2, 1000ms);
  CHECK(limiter.allow("198.51.100.1"));
  CHECK(limiter.allow("198.51.100.1"));
  for (std::size_t i = 0; i < RateLimiter::kMaxAddresses + 10; ++i) limiter.allow("10.0." + std::to_string(i));
  CHECK(limiter.size() <= RateLimiter::kMaxAddresses);
}

TEST_CASE("connections per address") {
  AddressCounter counter(2);
  CHECK(counter.try_open("a"));
  CHECK(counter.try_open("a"));
  CHECK_FALSE(counter.try_open("a"));
  CHECK(counter.try_open("b"));
  counter.close("a");
  CHECK(counter.try_open("a"));
}

TEST_CASE("limits: NAME=VALUE, milliseconds for durations, errors for the rest") {
  RelayLimits limits;
  REQUIRE(apply_limit(limits, "joins_per_id=3"));
  CHECK(limits.joins_per_id == 3);
  REQUIRE(apply_limit(limits, "accept_ms=250"));
  CHECK(limits.accept == 250ms);
  REQUIRE(apply_limit(limits, "directory_lease_s=7"));
  CHECK(limits.directory_lease == 7s);
  CHECK_FALSE(apply_limit(limits, "nonsense=1"));
  CHECK_FALSE(apply_limit(limits, "joins_per_id"));
  CHECK_FALSE(apply_limit(limits, "joins_per_id=-1"));
  CHECK_FALSE(apply_limit(limits, "joins_per_id=1x"));
  CHECK(describe_limits(RelayLimits{}).find("joins_per_id") != std::string::npos);
}

TEST_CASE("options: the spec's command line") {
  auto options = parse_relay_options({"--listen", "0.0.0.0:443", "--cert", "c.pem", "--key", "k.pem", "--directory",
                                      "redis://10.0.0.5:6379", "--advertise", "relay1.example.com:443", "--metrics",
                                      "127.0.0.1:9417", "--ttl", "300", "--max-sessions", "50", "--log", "/tmp/l",
                                      "--limit", "join_burst=5"});
  REQUIRE(options);
  CHECK(options->listen == HostPort{"0.0.0.0", 443});
  CHECK(options->redis == HostPort{"10.0.0.5", 6379});
  CHECK(options->advertise == "relay1.example.com:443");
  CHECK(options->ttl == 300s);
  CHECK(options->max_sessions == 50);
  CHECK(options->limits.join_burst == 5);
  // A single node advertises its listen address; Redis needs a real one.
  auto single = parse_relay_options({"--listen", "127.0.0.1:7000", "--cert", "c", "--key", "k"});
  REQUIRE(single);
  CHECK(single->advertise == "127.0.0.1:7000");
  CHECK_FALSE(parse_relay_options({"--listen", "0.0.0.0:443", "--cert", "c", "--key", "k", "--directory", "redis://r:1"}));
  CHECK_FALSE(parse_relay_options({"--listen", "127.0.0.1:1", "--cert", "c", "--key", "k", "--directory", "http://r:1"}));
  CHECK_FALSE(parse_relay_options({"--listen", "127.0.0.1:1", "--cert", "c"}));
  CHECK_FALSE(parse_relay_options({"--listen", "127.0.0.1:1", "--cert", "c", "--key", "k", "--ttl", "0"}));
  CHECK(parse_relay_options({"--help"})->show_help);
  CHECK(parse_relay_options({"--version"})->show_version);
}

TEST_CASE("metrics: Prometheus text with every refusal reason") {
  Metrics metrics;
  metrics.sessions_total = 4;
  metrics.bytes_host_to_engineer = 1234;
  metrics.refused(protocol::RelayRefusal::rate_limited);
  metrics.refused(protocol::RelayRefusal::rate_limited);
  const std::string text = metrics.prometheus_text();
  CHECK(text.find("elfdesk_relay_sessions_total 4\n") != std::string::npos);
  CHECK(text.find("elfdesk_relay_bytes_total{direction=\"host_to_engineer\"} 1234\n") != std::string::npos);
  CHECK(text.find("elfdesk_relay_refusals_total{reason=\"rate_limited\"} 2\n") != std::string::npos);
  CHECK(text.find("elfdesk_relay_refusals_total{reason=\"host_gone\"} 0\n") != std::string::npos);
}

TEST_CASE("event log: ids hashed with a per-process salt") {
  auto a = EventLog::open("/dev/null");
  auto b = EventLog::open("/dev/null");
  REQUIRE(a);
  REQUIRE(b);
  const std::string h = a->hash_id("123456");
  CHECK(h.size() == 16);
  CHECK(h.find("123456") == std::string::npos);
  CHECK(a->hash_id("123456") == h);      // stable within a run: lines can be matched
  CHECK(a->hash_id("123457") != h);
  CHECK(b->hash_id("123456") != h);      // another salt: not matchable across runs
}
