// The relay load generator: sets up N host/engineer pairs through elfdesk-relay (relay wire), through a
// plain byte splicer such as HAProxy or directly (splice: the engineer's first 8 bytes name its pair), or
// holds N idle registrations; then streams, verifies and measures. Everything runs on one io_context on
// the calling thread, so the generator's own cost is the same whatever sits in the middle.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <nlohmann/json.hpp>

#include "bench/relay/load_net.hpp"
#include "bench/relay/load_stream.hpp"

namespace elfdesk::bench {

enum class LoadMode { relay, splice, idle };

struct LoadConfig {
  LoadMode mode = LoadMode::relay;
  asio::ip::tcp::endpoint target;                 // the relay, HAProxy, or (direct) the listener itself
  std::optional<asio::ip::tcp::endpoint> listen;  // splice: where the hosts accept
  std::string cert, key;                          // splice: the listener's certificate
  int pairs = 1000;
  double warmup_seconds = 3, seconds = 10;
  std::size_t down_size = 1250, up_size = 32;
  double down_rate = 30, up_rate = 20;  // messages per second per pair
  int setup_concurrency = 64;
  int sources = 1;  // >1: dial from 127.1.x.y, one of `sources` addresses per pair (per-address limits)
  int watch_pid = 0;
  double setup_timeout_seconds = 180;
};

class LoadGenerator {
 public:
  explicit LoadGenerator(LoadConfig config);
  ~LoadGenerator();
  nlohmann::json run();  // blocks until done

 private:
  struct Pair;
  asio::awaitable<void> orchestrate();
  asio::awaitable<bool> set_up_all();
  asio::awaitable<void> setup_worker();
  asio::awaitable<std::expected<void, std::string>> set_up(Pair& pair);
  asio::awaitable<std::expected<void, std::string>> set_up_relay(Pair& pair);
  asio::awaitable<std::expected<void, std::string>> set_up_splice(Pair& pair);
  asio::awaitable<std::expected<std::string, std::string>> register_host(Pair& pair);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve_accepted(asio::ip::tcp::socket socket);
  asio::awaitable<void> control_loop(Pair& pair);
  asio::awaitable<void> stream_all();
  asio::awaitable<void> hold_idle();
  asio::awaitable<void> sleep_until(std::int64_t ns);
  void start_streams(Pair& pair, std::uint64_t seed);
  void sample(const char* name);
  std::optional<asio::ip::address> source_for(int index) const;
  void finish();

  LoadConfig config_;
  asio::io_context io_;
  asio::ssl::context client_context_;
  std::optional<asio::ssl::context> server_context_;
  std::optional<asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::unique_ptr<Pair>> pairs_;
  int next_setup_ = 0, setups_running_ = 0;
  std::optional<asio::steady_timer> setups_done_;
  StreamWindow window_;
  StreamHealth health_;
  DirectionStats down_, up_;
  std::uint64_t setup_failures_ = 0, control_lost_ = 0;
  std::string first_setup_error_;
  nlohmann::json result_;
};

}  // namespace elfdesk::bench
