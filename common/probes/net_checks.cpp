#include "common/probes/net_checks.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return util::round_to(std::chrono::duration<double, std::milli>(Clock::now() - start).count(), 3);
}

struct AddrInfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string address_text(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* addr = sa->sa_family == AF_INET
                         ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
  return inet_ntop(sa->sa_family, addr, text, sizeof text) ? text : "?";
}

// One connect attempt; returns an error text, or empty on success.
std::string try_connect(const addrinfo* a, Clock::time_point deadline) {
  Fd sock(socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.fd < 0) return std::string("socket: ") + std::strerror(errno);
  if (connect(sock.fd, a->ai_addr, a->ai_addrlen) == 0) return {};
  if (errno != EINPROGRESS) return std::strerror(errno);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  pollfd pfd{sock.fd, POLLOUT, 0};
  int ready = left > 0 ? poll(&pfd, 1, static_cast<int>(left)) : 0;
  if (ready == 0) return "timed out";
  if (ready < 0) return std::string("poll: ") + std::strerror(errno);
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return std::strerror(errno);
  return error == 0 ? std::string() : std::string(std::strerror(error));
}

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); }

AddressScope v4_scope(std::uint32_t a) {
  if (in_v4(a, 0x00000000, 8)) return AddressScope::unspecified;                     // 0.0.0.0/8
  if (in_v4(a, 0x7f000000, 8)) return AddressScope::loopback;                        // 127/8
  if (in_v4(a, 0xa9fe0000, 16)) return AddressScope::link_local;                     // 169.254/16
  if (in_v4(a, 0x0a000000, 8) || in_v4(a, 0xac100000, 12) || in_v4(a, 0xc0a80000, 16) ||
      in_v4(a, 0x64400000, 10))                                                      // + CGNAT 100.64/10
    return AddressScope::private_net;
  if (in_v4(a, 0xe0000000, 4) || a == 0xffffffff) return AddressScope::multicast;   // and broadcast
  return AddressScope::global;
}

}  // namespace

AddressScope address_scope(const sockaddr* address) {
  if (address->sa_family == AF_INET)
    return v4_scope(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  if (address->sa_family != AF_INET6) return AddressScope::unspecified;
  const auto& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    std::uint32_t v4 = 0;
    std::memcpy(&v4, a.s6_addr + 12, 4);
    return v4_scope(ntohl(v4));
  }
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return AddressScope::unspecified;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return AddressScope::loopback;
  if (IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_SITELOCAL(&a)) return AddressScope::link_local;
  if ((a.s6_addr[0] & 0xfe) == 0xfc) return AddressScope::private_net;  // fc00::/7 unique local
  if (IN6_IS_ADDR_MULTICAST(&a)) return AddressScope::multicast;
  return AddressScope::global;
}

const char* describe(AddressScope scope) {
  switch (scope) {
    case AddressScope::global: return "a public address";
    case AddressScope::loopback: return "a loopback address";
    case AddressScope::link_local: return "a link-local address";
    case AddressScope::private_net: return "a private-network address";
    case AddressScope::unspecified: return "an unspecified address";
    case AddressScope::multicast: return "a multicast or broadcast address";
  }
  return "a local address";
}

NetCheckBudget::NetCheckBudget(const elfdesk::Clock& clock, int per_minute)
    : clock_(clock), per_minute_(per_minute), tokens_(per_minute), last_(clock.now()) {}

bool NetCheckBudget::take() {
  const std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  tokens_ = std::min(per_minute_, tokens_ + per_minute_ * std::chrono::duration<double>(now - last_).count() / 60.0);
  last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

NetCheckBudget& process_net_check_budget() {
  static const SteadyClock clock;
  static NetCheckBudget budget(clock);
  return budget;
}

nlohmann::json resolve_check(const std::string& name, bool allow_local) {
  auto start = Clock::now();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &raw);
  AddrInfoPtr list(raw);
  nlohmann::json out{{"name", name}, {"addresses", nlohmann::json::array()}, {"withheld", 0},
                     {"elapsed_ms", ms_since(start)}, {"error", nullptr}};
  if (rc != 0) {
    out["error"] = gai_strerror(rc);
    return out;
  }
  std::vector<std::string> withheld;
  for (const addrinfo* a = list.get(); a; a = a->ai_next) {
    auto text = address_text(a->ai_addr);
    if (!allow_local && address_scope(a->ai_addr) != AddressScope::global) {
      if (std::find(withheld.begin(), withheld.end(), text) == withheld.end()) withheld.push_back(text);
      continue;
    }
    if (std::find(out["addresses"].begin(), out["addresses"].end(), text) == out["addresses"].end()) {
      out["addresses"].push_back(text);
    }
  }
  out["withheld"] = withheld.size();
  return out;
}

bool split_host_port(const std::string& target, std::string& host, std::string& port) {
  auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) return false;
  host = target.substr(0, colon);
  port = target.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false;  // bare IPv6 needs brackets
  }
  auto number = util::parse_number<int>(port);
  return number && *number >= 1 && *number <= 65535;
}

nlohmann::json connect_check(const std::string& target, std::chrono::milliseconds timeout, bool allow_local) {
  auto start = Clock::now();
  auto deadline = start + timeout;
  nlohmann::json out{{"target", target}, {"address", nullptr}, {"connected", false}, {"refused_local", false},
                     {"elapsed_ms", 0}, {"error", nullptr}};
  std::string host, port;
  if (!split_host_port(target, host, port)) {
    out["error"] = "expected HOST:PORT";
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &raw);
  AddrInfoPtr list(raw);
  if (rc != 0) {
    out["error"] = std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
    out["elapsed_ms"] = ms_since(start);
    return out;
  }
  // Checked on the very addresses we would connect to (no second lookup a DNS answer could change).
  for (const addrinfo* a = list.get(); a && !allow_local; a = a->ai_next) {
    if (const auto scope = address_scope(a->ai_addr); scope != AddressScope::global) {
      out["refused_local"] = true;
      out["error"] = host + " is " + describe(scope) + ": the customer has not allowed checks inside their network";
      out["elapsed_ms"] = ms_since(start);
      return out;
    }
  }
  std::string error = "no address";
  for (const addrinfo* a = list.get(); a && Clock::now() < deadline; a = a->ai_next) {
    out["address"] = address_text(a->ai_addr);
    error = try_connect(a, deadline);
    if (error.empty()) break;
  }
  out["connected"] = error.empty();
  out["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  out["elapsed_ms"] = ms_since(start);
  return out;
}

}  // namespace elfdesk::probes
