// Attacks on the host's code check over real TLS on loopback against a real HostServer: parallel
// guessing (never more than five guesses per code) and stale codes (a connection that passed Hello, or
// even SPAKE2's first half, before the code rotated gets nothing).
#include <doctest/doctest.h>
#include <unistd.h>

#include "common/auth/tls_context.hpp"
#include "host/core/code_keeper.hpp"
#include "tests/host/attack_client.hpp"
#include "tests/host/host_fixture.hpp"

using namespace elfdesk;
using namespace elfdesk::test;
using namespace std::chrono_literals;

namespace {

// `n` attackers, each from its own address (127.0.1.first, 127.0.1.first+1, ...), all past Hello.
std::vector<std::unique_ptr<AttackClient>> past_hello(asio::io_context& io, asio::ssl::context& tls,
                                                      std::uint16_t port, int n, int first = 1) {
  std::vector<std::unique_ptr<AttackClient>> clients;
  int ready = 0;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<AttackClient>(io, tls));
    asio::co_spawn(io, clients.back()->connect_and_hello("127.0.1." + std::to_string(first + i), port),
                   [&ready](std::exception_ptr, std::expected<void, Error> ok) { ready += ok ? 1 : 0; });
  }
  REQUIRE(run_until(io, [&] { return ready == n; }, 10s));
  return clients;
}

}  // namespace

TEST_CASE("parallel connections get at most five guesses per code") {
  HostFixture host([](host::HostOptions& o) { o.max_pending_handshakes = 16; });
  const std::string code = host.code();
  asio::io_context io;
  auto tls = auth::make_engineer_tls_context();
  constexpr int kAttackers = 12;
  auto clients = past_hello(io, tls, host.port(), kAttackers);
  // Every share is on the wire before any attempt ends: the host must reserve, not count afterwards.
  int answered = 0, tried = 0;
  std::vector<AttackClient*> trying;
  for (auto& c : clients)
    asio::co_spawn(io, c->send_share(wrong_code(code)), [&, c = c.get()](std::exception_ptr, bool host_tried) {
      ++answered;
      if (host_tried) {
        ++tried;
        trying.push_back(c);
      }
    });
  REQUIRE(run_until(io, [&] { return answered == kAttackers; }, 10s));
  CHECK(tried == host::CodeKeeper::kMaxFailures);
  for (auto& c : clients)
    if (std::find(trying.begin(), trying.end(), c.get()) == trying.end())
      CHECK(c->refusal.find("too many code attempts") != std::string::npos);
  int confirmed = 0;
  for (auto* c : trying)
    asio::co_spawn(io, c->confirm(), [&](std::exception_ptr, bool ok) {
      ++confirmed;
      CHECK_FALSE(ok);
    });
  REQUIRE(run_until(io, [&] { return confirmed == tried; }, 10s));
  CHECK_FALSE(host.wait_for_new_code(code, 5s).empty());  // five wrong guesses retired it
  CHECK(host.audit("authentication").size() == static_cast<std::size_t>(tried));
}

TEST_CASE("a connection that passed Hello or sent its share before the code rotated is refused") {
  HostFixture host([](host::HostOptions& o) { o.code_ttl = 2s; });
  const std::string old_code = host.code();
  asio::io_context io;
  auto tls = auth::make_engineer_tls_context();
  auto clients = past_hello(io, tls, host.port(), 2);
  auto& after_hello = *clients[0];
  auto& mid_spake2 = *clients[1];
  std::optional<bool> mid_tried;
  asio::co_spawn(io, mid_spake2.send_share(old_code), [&](std::exception_ptr, bool t) { mid_tried = t; });
  REQUIRE(run_until(io, [&] { return mid_tried.has_value(); }, 5s));
  REQUIRE(*mid_tried);  // the host answered with its share for the code that was right then
  // The code expires (TTL) while both are waiting.
  std::string new_code;
  REQUIRE(run_until(io, [&] { return !(new_code = host.wait_for_new_code(old_code, 0ms)).empty(); }, 5s));

  std::optional<bool> mid_ok, stale_tried, stale_ok;
  asio::co_spawn(io, mid_spake2.confirm(), [&](std::exception_ptr, bool ok) { mid_ok = ok; });
  asio::co_spawn(io, after_hello.send_share(old_code), [&](std::exception_ptr, bool t) { stale_tried = t; });
  REQUIRE(run_until(io, [&] { return mid_ok && stale_tried; }, 5s));
  CHECK_FALSE(*mid_ok);  // the right SPAKE2 run with an expired code: refused
  REQUIRE(*stale_tried);
  asio::co_spawn(io, after_hello.confirm(), [&](std::exception_ptr, bool ok) { stale_ok = ok; });
  REQUIRE(run_until(io, [&] { return stale_ok.has_value(); }, 5s));
  CHECK_FALSE(*stale_ok);  // checked against the new code, not the one current at its Hello
  CHECK(host.audit("session_start").empty());

  // The current code still works (from an address that made no wrong guess, so it need not back off).
  auto fresh = past_hello(io, tls, host.port(), 1, 100);
  std::optional<bool> fresh_tried, fresh_ok;
  asio::co_spawn(io, fresh[0]->send_share(host.code()), [&](std::exception_ptr, bool t) { fresh_tried = t; });
  REQUIRE(run_until(io, [&] { return fresh_tried.has_value(); }, 5s));
  REQUIRE(*fresh_tried);
  asio::co_spawn(io, fresh[0]->confirm(), [&](std::exception_ptr, bool ok) { fresh_ok = ok; });
  REQUIRE(run_until(io, [&] { return fresh_ok.has_value(); }, 5s));
  CHECK(*fresh_ok);
}

TEST_CASE("before authentication the host tells a stranger neither its machine name nor its version") {
  HostFixture host;
  asio::io_context io;
  auto tls = auth::make_engineer_tls_context();
  auto clients = past_hello(io, tls, host.port(), 1);
  const auto& hello = clients[0]->host_hello;
  CHECK(hello.role == protocol::Role::host);
  CHECK(hello.name.empty());
  CHECK(hello.software == "elfdesk-host");  // no version number
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  CHECK(hello.software.find(name) == std::string::npos);
}
