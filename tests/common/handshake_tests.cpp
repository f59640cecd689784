// The engineer's opening over real TLS on loopback with real SPAKE2: Hello and the SPAKE2 share leave
// together, and the consent request leaves with the engineer's key confirmation, so the host reads every
// message it needs without answering first (two round trips fewer). The host side is played by the test
// where the order itself is checked (it answers nothing until the pipelined message has arrived: an
// engineer that waits for each answer fails these tests), and is the real authenticate_as_host where
// the outcome is: a wrong code never delivers the consent request.
#include <doctest/doctest.h>

#include "common/auth/spake2.hpp"
#include "common/handshake.hpp"
#include "protocol/limits.hpp"
#include "tests/common/tls_pair.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
namespace p = elfdesk::protocol;

namespace {

constexpr const char* kCode = "12345678";

p::Hello hello_of(p::Role role) {
  return p::Hello{limits::kProtocolVersion, role, p::capability::kAll, "test", "elfdesk test"};
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

template <class T>
asio::awaitable<void> finish_into(asio::awaitable<T> task, std::optional<T>& done) {
  done = co_await std::move(task);
}

// Runs `task` beside the caller; `done` holds its result once it finished.
template <class T>
void spawn(asio::any_io_executor executor, asio::awaitable<T> task, std::optional<T>& done) {
  asio::co_spawn(executor, finish_into(std::move(task), done), asio::detached);
}

template <class T>
asio::awaitable<void> wait_for(const std::optional<T>& done) {
  for (int i = 0; i < 500 && !done; ++i) {
    asio::steady_timer t(co_await asio::this_coro::executor, 10ms);
    co_await t.async_wait(asio::use_awaitable);
  }
}

p::ConsentRequest consent_request() { return p::ConsentRequest{"engineer@test", p::permission::kView}; }

}  // namespace

TEST_CASE("the engineer's opening: the share leaves with Hello, the consent request with the confirmation") {
  testing::Pair pair;
  std::optional<std::expected<EngineerAdmission, Error>> admitted;
  pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host) -> asio::awaitable<void> {
    // Named, not temporaries: g++ 12 mishandles a temporary passed by value into a coroutine.
    const p::Hello engineer_hello = hello_of(p::Role::engineer);
    p::Message request = consent_request();
    spawn(co_await asio::this_coro::executor, open_as_engineer(*engineer, engineer_hello, kCode, std::move(request)), admitted);
    // The host has sent nothing yet: an engineer that waited for the host's Hello sends no share here.
    auto hello = co_await host->receive(2s);
    REQUIRE(hello);
    CHECK(std::holds_alternative<p::Hello>(*hello));
    auto share = co_await host->receive(2s);
    REQUIRE_MESSAGE(share, "no AuthShare before the host's Hello: the opening is not pipelined");
    REQUIRE(std::holds_alternative<p::AuthShare>(*share));

    host->send(hello_of(p::Role::host));
    auto binding = auth::export_channel_binding(host->stream());
    REQUIRE(binding);
    auto party = auth::Spake2Party::create(auth::Spake2Role::host, bytes_of(kCode), auth::kSpake2IdEngineer,
                                           auth::kSpake2IdHost, *binding);
    REQUIRE(party);
    REQUIRE(party->process_peer_share(std::get<p::AuthShare>(*share).share));
    host->send(p::AuthShare{party->share()});
    host->send(p::AuthConfirm{party->confirmation()});
    auto confirm = co_await host->receive(2s);
    REQUIRE(confirm);
    REQUIRE(std::holds_alternative<p::AuthConfirm>(*confirm));
    CHECK(party->verify_peer_confirmation(std::get<p::AuthConfirm>(*confirm).mac));
    // Still before AuthResult: the consent request came with the confirmation.
    auto consent = co_await host->receive(2s);
    REQUIRE_MESSAGE(consent, "no ConsentRequest before AuthResult: the opening is not pipelined");
    CHECK(std::get<p::ConsentRequest>(*consent) == consent_request());
    CHECK_FALSE(admitted.has_value());  // the engineer waits for the host's verdict
    host->send(p::AuthResult{true, ""});
    co_await wait_for(admitted);
    REQUIRE(admitted);
    REQUIRE_MESSAGE(admitted->has_value(), (admitted->has_value() ? std::string() : admitted->error().detail));
    CHECK((*admitted)->host.hello.role == p::Role::host);
    CHECK((*admitted)->host.capabilities == p::capability::kAll);
  }, false);
}

TEST_CASE("the engineer's opening against the real host side: the right code is admitted, a wrong one never "
          "delivers the consent request") {
  for (const std::string& engineer_code : {std::string(kCode), std::string("87654321")}) {
    CAPTURE(engineer_code);
    const bool right = engineer_code == kCode;
    testing::Pair pair;
    std::optional<std::expected<EngineerAdmission, Error>> admitted;
    pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host) -> asio::awaitable<void> {
      const p::Hello engineer_hello = hello_of(p::Role::engineer);
      p::Message request = consent_request();
      spawn(co_await asio::this_coro::executor, open_as_engineer(*engineer, engineer_hello, engineer_code, std::move(request)),
            admitted);
      auto peer = co_await exchange_hello(*host, hello_of(p::Role::host));
      REQUIRE(peer);
      bool claimed = false;
      HostCodeCheck check{.begin = [] { return std::expected<std::string, Error>(kCode); },
                          .claim = [&] { return claimed = true; }};
      auto secret = co_await authenticate_as_host(*host, std::move(check));
      CHECK(secret.has_value() == right);
      CHECK(claimed == right);
      auto next = co_await host->receive(2s);
      if (right) {
        REQUIRE(next);
        CHECK(std::get<p::ConsentRequest>(*next) == consent_request());
      } else {
        CHECK_FALSE(next.has_value());  // the connection ended: the request was never sent
      }
      co_await wait_for(admitted);
      REQUIRE(admitted);
      CHECK(admitted->has_value() == right);
      if (!right) CHECK(admitted->error().code == ErrorCode::auth_failed);
      if (right) CHECK((*admitted)->resume.ticket() == secret->ticket());
    }, false);
  }
}

TEST_CASE("a resume's opening: the ResumeRequest leaves with Hello, and the secret steps on after the host's yes") {
  testing::Pair pair;
  const std::vector<std::uint8_t> session_key(32, 0x5A), first_binding(32, 0x11);
  auto engineer_secret = auth::ResumeSecret::from_session_key(session_key, first_binding);
  REQUIRE(engineer_secret);
  const auth::ResumeSecret host_secret = *engineer_secret;
  std::optional<std::expected<PeerInfo, Error>> resumed;
  pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host) -> asio::awaitable<void> {
    const p::Hello engineer_hello = hello_of(p::Role::engineer);
    spawn(co_await asio::this_coro::executor, resume_as_engineer(*engineer, engineer_hello, *engineer_secret), resumed);
    auto hello = co_await host->receive(2s);
    REQUIRE(hello);
    CHECK(std::holds_alternative<p::Hello>(*hello));
    auto request = co_await host->receive(2s);
    REQUIRE_MESSAGE(request, "no ResumeRequest before the host's Hello: the resume is not pipelined");
    const auto& resume = std::get<p::ResumeRequest>(*request);
    auto binding = auth::export_channel_binding(host->stream());
    REQUIRE(binding);
    CHECK(resume.ticket == host_secret.ticket());
    CHECK(host_secret.verify(*binding, resume.proof));  // bound to this very connection
    host->send(hello_of(p::Role::host));
    host->send(p::ResumeResult{true, ""});
    co_await wait_for(resumed);
    REQUIRE(resumed);
    CHECK(resumed->has_value());
    CHECK(engineer_secret->ticket() == host_secret.next(*binding).ticket());
  }, false);
}
