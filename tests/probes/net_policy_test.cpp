// Network checks stay out of the customer's own network unless they allowed it, and are rate limited:
// address classification, refusal before any packet (a real listener on 127.0.0.1 sees no connection),
// withheld local addresses in name resolution, and the per-minute budget with a manual clock.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/probes/net_checks.hpp"
#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {
namespace {

AddressScope scope_of(const char* text) {
  sockaddr_storage storage{};
  if (std::string_view(text).find(':') != std::string_view::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, text, &a->sin6_addr) == 1);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, text, &a->sin_addr) == 1);
  }
  return address_scope(reinterpret_cast<const sockaddr*>(&storage));
}

ProbeContext with_budget(std::shared_ptr<NetCheckBudget> budget, bool allow_local = false) {
  ProbeContext context;
  context.net_budget = std::move(budget);
  context.allow_local_targets = allow_local;
  return context;
}

}  // namespace

TEST_CASE("addresses are classified: loopback, link-local, private, unspecified, multicast, global") {
  for (const char* a : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) CHECK(scope_of(a) == AddressScope::loopback);
  for (const char* a : {"169.254.169.254", "fe80::1"}) CHECK(scope_of(a) == AddressScope::link_local);
  for (const char* a : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "fd00::1", "::ffff:10.0.0.1"})
    CHECK(scope_of(a) == AddressScope::private_net);
  for (const char* a : {"0.0.0.0", "::"}) CHECK(scope_of(a) == AddressScope::unspecified);
  for (const char* a : {"224.0.0.1", "255.255.255.255", "ff02::1"}) CHECK(scope_of(a) == AddressScope::multicast);
  for (const char* a : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "198.51.100.7"})
    CHECK(scope_of(a) == AddressScope::global);
}

TEST_CASE("a connect check to a local or private target is refused before any packet is sent") {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string target = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const SteadyClock clock;
  auto r = test::run_probe(with_budget(std::make_shared<NetCheckBudget>(clock, 100)), "network", {{{"connect", target}}});
  CHECK(r.data["connect"]["connected"] == false);
  CHECK(r.data["connect"]["refused_local"] == true);
  CHECK(test::find_finding(r, "connect:" + target)->severity == Severity::unknown);
  CHECK(test::find_finding(r, "connect:" + target)->reason.find("loopback") != std::string::npos);
  CHECK(::accept(listener, nullptr, nullptr) < 0);  // nothing ever arrived
  for (const char* t : {"169.254.169.254:80", "10.0.0.1:22", "[fd00::1]:443", "[::ffff:192.168.0.1]:80"}) {
    auto c = connect_check(t, std::chrono::milliseconds(200), false);
    CHECK_MESSAGE(c["refused_local"] == true, t);
  }
  // Allowed by the customer: the same check really connects.
  auto allowed = test::run_probe(with_budget(std::make_shared<NetCheckBudget>(clock, 100), true), "network",
                                 {{{"connect", target}}});
  CHECK(allowed.data["connect"]["connected"] == true);
  ::close(listener);
}

TEST_CASE("resolving a name does not reveal local or private addresses unless allowed") {
  const SteadyClock clock;
  auto r = test::run_probe(with_budget(std::make_shared<NetCheckBudget>(clock, 100)), "network",
                           {{{"resolve", "localhost"}}});
  CHECK(r.data["resolve"]["addresses"].empty());
  CHECK(r.data["resolve"]["withheld"].get<int>() >= 1);
  CHECK(test::find_finding(r, "resolve:localhost")->reason.find("not shown") != std::string::npos);
}

TEST_CASE("active network checks are rate limited per minute") {
  ManualClock clock;
  auto budget = std::make_shared<NetCheckBudget>(clock);
  int ran = 0;
  for (int i = 0; i < 50; ++i) {
    auto r = test::run_probe(with_budget(budget), "network", {{{"connect", "10.0.0.1:9"}}});
    if (r.data.contains("connect")) ++ran;
  }
  CHECK(ran == NetCheckBudget::kPerMinute);
  clock.advance(std::chrono::seconds(3));  // one more check per 3 s
  CHECK(budget->take());
  CHECK_FALSE(budget->take());
  clock.advance(std::chrono::minutes(5));  // refills up to one minute's worth, no more
  int again = 0;
  while (budget->take()) ++again;
  CHECK(again == NetCheckBudget::kPerMinute);
}

}  // namespace elfdesk::probes
