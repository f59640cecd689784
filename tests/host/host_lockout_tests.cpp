// Lock-out attacks over real TLS on loopback against a real HostServer: strangers at 127.0.0.2 and
// 127.0.0.3 hold idle connections and guess wrong codes as fast as they can, and the customer's engineer
// at 127.0.0.1 still gets in within 2 s with the same code; the customer is told who guessed.
#include <doctest/doctest.h>

#include <mutex>

#include "common/auth/tls_context.hpp"
#include "host/ui/consent_ui.hpp"
#include "tests/host/attack_client.hpp"
#include "tests/host/host_fixture.hpp"

using namespace elfdesk;
using namespace elfdesk::test;
using namespace std::chrono_literals;

namespace {

// Records what the customer would be shown; consent is pre-approved, so nothing is asked.
class RecordingUi final : public host::ConsentUi {
 public:
  void show_code(std::string, std::chrono::seconds) override {}
  void ask(host::ConsentQuestion, std::function<void(host::ConsentAnswer)>) override {}
  void cancel_question() override {}
  void show_session(host::SessionInfo) override {}
  void show_ended(std::string) override {}
  void show_failed_attempts(std::string summary) override {
    const std::lock_guard lock(mutex_);
    failed_ = std::move(summary);
  }
  void set_on_end_session(std::function<void()>) override {}
  void set_on_quit(std::function<void()>) override {}
  int run() override { return 0; }
  void quit() override {}
  std::string failed() {
    const std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  std::mutex mutex_;
  std::string failed_;
};

// Guesses wrong codes from `source` until `stop`, counting the guesses the host really tried.
asio::awaitable<void> guess_forever(asio::io_context& io, asio::ssl::context& tls, std::uint16_t port,
                                    std::string source, std::string wrong, const bool& stop, int& tried) {
  while (!stop) {
    AttackClient attacker(io, tls);
    if (!co_await attacker.connect_and_hello(source, port)) continue;
    if (co_await attacker.send_share(wrong)) {
      ++tried;
      co_await attacker.confirm();
    }
  }
}

}  // namespace

TEST_CASE("strangers at two addresses neither lock out the engineer nor burn the code") {
  RecordingUi ui;
  HostFixture host({}, &ui);  // default limits
  const std::string code = host.code();
  asio::io_context io;
  auto tls = auth::make_engineer_tls_context();
  // 127.0.0.2 opens more idle connections than the host has pending slots in all (8).
  std::vector<asio::ip::tcp::socket> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(open_idle(io, "127.0.0.2", host.port()));
  // 127.0.0.3 guesses wrong codes on two connections at once, without pause.
  bool stop = false;
  int tried = 0;
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(io, guess_forever(io, tls, host.port(), "127.0.0.3", wrong_code(code), stop, tried), asio::detached);
  run_until(io, [] { return false; }, 1s);  // the attack is in full swing

  const auto started = std::chrono::steady_clock::now();
  AttackClient engineer(io, tls);
  std::optional<bool> hello_ok, tried_share, authenticated;
  asio::co_spawn(io, engineer.connect_and_hello("127.0.0.1", host.port()),
                 [&](std::exception_ptr, std::expected<void, Error> ok) { hello_ok = ok.has_value(); });
  REQUIRE(run_until(io, [&] { return hello_ok.has_value(); }, 3s));
  REQUIRE(*hello_ok);
  asio::co_spawn(io, engineer.send_share(code), [&](std::exception_ptr, bool t) { tried_share = t; });
  REQUIRE(run_until(io, [&] { return tried_share.has_value(); }, 3s));
  REQUIRE_MESSAGE(*tried_share, engineer.refusal);
  asio::co_spawn(io, engineer.confirm(), [&](std::exception_ptr, bool ok) { authenticated = ok; });
  REQUIRE(run_until(io, [&] { return authenticated.has_value(); }, 3s));
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(*authenticated);
  CHECK(took < 2s);
  MESSAGE("engineer authenticated in ", std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
          " ms; the attacker's guesses tried: ", tried);
  stop = true;

  // The wrong guesses backed off: at most one at once, then 2 s, 4 s, ... apart: far from five.
  CHECK(tried >= 1);
  CHECK(tried <= 2);
  CHECK(ui.failed().starts_with(std::to_string(tried) + (tried == 1 ? " wrong code" : " wrong codes") +
                                " tried from 127.0.0.3"));
  // The idle holder got only its share of the slots; the rest was refused at once.
  const auto refused = host.audit("connection_refused");
  CHECK(std::count_if(refused.begin(), refused.end(), [](const nlohmann::json& r) {
          return r["peer"].get<std::string>().starts_with("127.0.0.2:") &&
                 r["reason"] == "too many connections from this address";
        }) == 8);
  for (auto& s : idle) s.close();
}
