#include "common/probes/net_checks.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

}  // namespace

nlohmann::json resolve_check(const std::string& name) {
  auto start = Clock::now();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &raw);
  AddrInfoPtr list(raw);
  nlohmann::json out{{"name", name}, {"addresses", nlohmann::json::array()}, {"elapsed_ms", ms_since(start)},
                     {"error", nullptr}};
  if (rc != 0) {
    out["error"] = gai_strerror(rc);
    return out;
  }
  for (const addrinfo* a = list.get(); a; a = a->ai_next) {
    auto text = address_text(a->ai_addr);
    if (std::find(out["addresses"].begin(), out["addresses"].end(), text) == out["addresses"].end()) {
      out["addresses"].push_back(text);
    }
  }
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

nlohmann::json connect_check(const std::string& target, std::chrono::milliseconds timeout) {
  auto start = Clock::now();
  auto deadline = start + timeout;
  nlohmann::json out{{"target", target}, {"address", nullptr}, {"connected", false}, {"elapsed_ms", 0},
                     {"error", nullptr}};
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
