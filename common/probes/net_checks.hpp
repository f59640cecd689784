// Active network checks for the `network` probe: name resolution and a TCP connect, both timed.
// Internal to elfdesk_probes; blocking calls on the probe's worker thread, bounded by a timeout.
#pragma once
#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <string>

#include "common/clock.hpp"

namespace elfdesk::probes {

// What a target address is. Anything but `global` stays inside the customer's machine or network:
// checks against it would let an engineer map the customer's LAN, so they need the customer's consent.
enum class AddressScope { global, loopback, link_local, private_net, unspecified, multicast };
AddressScope address_scope(const sockaddr* address);
const char* describe(AddressScope scope);  // "a loopback address", ...

// Active checks per minute (a token bucket): a session cannot turn the customer's machine into a scanner.
class NetCheckBudget {
 public:
  static constexpr int kPerMinute = 20;
  explicit NetCheckBudget(const Clock& clock, int per_minute = kPerMinute);
  bool take();  // false: over budget, do not check

 private:
  std::mutex mutex_;
  const Clock& clock_;
  double per_minute_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};
NetCheckBudget& process_net_check_budget();  // the default for contexts without their own

// getaddrinfo(name): {name, addresses[], withheld, elapsed_ms, error (null on success)}. Unless
// `allow_local`, addresses that are not global are withheld (counted, not listed).
nlohmann::json resolve_check(const std::string& name, bool allow_local);
// Non-blocking TCP connect to "host:port" ("[v6]:port" for IPv6 literals) within `timeout`:
// {target, address, connected, refused_local, elapsed_ms, error}. Unless `allow_local`, a target that
// resolves to any address that is not global is refused before anything is sent (refused_local true).
nlohmann::json connect_check(const std::string& target, std::chrono::milliseconds timeout, bool allow_local);
// Splits "host:port" / "[v6]:port"; false when malformed.
bool split_host_port(const std::string& target, std::string& host, std::string& port);

}  // namespace elfdesk::probes
