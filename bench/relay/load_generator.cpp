#include "bench/relay/load_generator.hpp"

#include <algorithm>
#include <array>
#include <random>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk::bench {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kHelloMagic = 0x454c4652;  // "ELFR": the engineer's first bytes in splice mode
constexpr std::int64_t kSecond = 1'000'000'000;

std::int64_t seconds_ns(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }

void log_failure(const std::string& what) {
  static int shown = 0;
  if (shown++ < 5) std::fprintf(stderr, "relay_load: %s\n", what.c_str());
}

}  // namespace

struct LoadGenerator::Pair {
  Pair(int i, asio::io_context& io, const LoadConfig& config)
      : index(i), host_ready(io), down(config.down_size), up(config.up_size) {}
  int index;
  TlsPtr control, host, engineer;
  asio::steady_timer host_ready;  // splice: the listener hands the accepted host side over
  PayloadParser down, up;
  bool established = false;
};

LoadGenerator::LoadGenerator(LoadConfig config) : config_(std::move(config)), client_context_(make_client_context()) {
  if (config_.mode == LoadMode::splice) server_context_.emplace(make_server_context(config_.cert, config_.key));
  for (int i = 0; i < config_.pairs; ++i) pairs_.push_back(std::make_unique<Pair>(i, io_, config_));
}

LoadGenerator::~LoadGenerator() = default;

nlohmann::json LoadGenerator::run() {
  result_ = {{"pairs_requested", config_.pairs}, {"samples", nlohmann::json::object()}};
  asio::co_spawn(io_, orchestrate(), [this](std::exception_ptr failure) {
    if (failure) result_["error"] = "orchestrator threw";
    io_.stop();
  });
  io_.run();
  return result_;
}

std::optional<asio::ip::address> LoadGenerator::source_for(int index) const {
  if (config_.sources <= 1) return std::nullopt;
  const int slot = index % config_.sources;
  return asio::ip::make_address_v4(
      std::array<unsigned char, 4>{127, 1, static_cast<unsigned char>(slot / 250),
                                   static_cast<unsigned char>(slot % 250 + 1)});
}

void LoadGenerator::sample(const char* name) {
  nlohmann::json out{{"t_ns", now_ns()}};
  if (config_.watch_pid > 0) {
    const auto process = sample_process(config_.watch_pid);
    out["rss_kib"] = process.rss_kib;
    out["cpu_seconds"] = process.cpu_seconds;
    out["runqueue_wait_seconds"] = process.runqueue_wait_seconds;
  }
  const auto self = sample_self();
  out["self_cpu_seconds"] = self.cpu_seconds;
  out["self_runqueue_wait_seconds"] = self.runqueue_wait_seconds;
  const auto machine = sample_machine();
  out["machine_busy"] = machine.busy;
  out["machine_total"] = machine.total;
  result_["samples"][name] = out;
}

asio::awaitable<void> LoadGenerator::sleep_until(std::int64_t ns) {
  asio::steady_timer timer(io_, asio::steady_timer::time_point(std::chrono::nanoseconds(ns)));
  co_await timer.async_wait(kTuple);
}

asio::awaitable<void> LoadGenerator::orchestrate() {
  sample("before");
  if (config_.mode == LoadMode::splice) {
    acceptor_.emplace(io_, *config_.listen, true);
    acceptor_->listen(4096);
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }
  const auto setup_started = now_ns();
  const bool complete = co_await set_up_all();
  result_["setup_seconds"] = static_cast<double>(now_ns() - setup_started) / 1e9;
  result_["setup_complete"] = complete;
  sample("established");
  if (config_.mode == LoadMode::idle)
    co_await hold_idle();
  else if (complete)
    co_await stream_all();
  finish();
}

asio::awaitable<bool> LoadGenerator::set_up_all() {
  setups_done_.emplace(io_, asio::steady_timer::time_point::max());
  const int workers = std::min(config_.setup_concurrency, config_.pairs);
  setups_running_ = workers;
  for (int i = 0; i < workers; ++i) asio::co_spawn(io_, setup_worker(), asio::detached);
  setups_done_->expires_after(std::chrono::nanoseconds(seconds_ns(config_.setup_timeout_seconds)));
  auto [ec] = co_await setups_done_->async_wait(kTuple);
  co_return ec == asio::error::operation_aborted;  // cancelled by the last worker; expiry = timeout
}

asio::awaitable<void> LoadGenerator::setup_worker() {
  while (next_setup_ < config_.pairs) {
    auto& pair = *pairs_[static_cast<std::size_t>(next_setup_++)];
    if (auto done = co_await set_up(pair); done) {
      pair.established = true;
    } else {
      ++setup_failures_;
      if (first_setup_error_.empty()) first_setup_error_ = done.error();
      log_failure("pair " + std::to_string(pair.index) + ": " + done.error());
    }
  }
  if (--setups_running_ == 0) setups_done_->cancel();
}

asio::awaitable<std::expected<void, std::string>> LoadGenerator::set_up(Pair& pair) {
  switch (config_.mode) {
    case LoadMode::relay: co_return co_await set_up_relay(pair);
    case LoadMode::splice: co_return co_await set_up_splice(pair);
    case LoadMode::idle: {
      auto registered = co_await register_host(pair);
      if (!registered) co_return std::unexpected(registered.error());
      asio::co_spawn(io_, control_loop(pair), asio::detached);
      co_return std::expected<void, std::string>{};
    }
  }
  co_return std::unexpected("bad mode");
}

asio::awaitable<std::expected<std::string, std::string>> LoadGenerator::register_host(Pair& pair) {
  auto control = co_await dial_tls(client_context_, config_.target, source_for(pair.index));
  if (!control) co_return std::unexpected("control " + control.error());
  pair.control = std::move(*control);
  const protocol::RelayMessage request = protocol::RelayRegister{};
  if (auto sent = co_await write_relay(*pair.control, request); !sent)
    co_return std::unexpected(sent.error());
  auto reply = co_await read_relay(*pair.control);
  if (!reply) co_return std::unexpected("register " + reply.error());
  const auto* registered = std::get_if<protocol::RelayRegistered>(&*reply);
  if (!registered) co_return std::unexpected(describe_unexpected(*reply));
  co_return registered->id;
}

// Host registers, engineer joins, host picks up Incoming on its control connection and dials a data
// connection with the ticket; both then read Spliced. Sequential is enough: Spliced waits in the socket.
asio::awaitable<std::expected<void, std::string>> LoadGenerator::set_up_relay(Pair& pair) {
  auto id = co_await register_host(pair);
  if (!id) co_return std::unexpected(id.error());
  auto engineer = co_await dial_tls(client_context_, config_.target, source_for(pair.index));
  if (!engineer) co_return std::unexpected("engineer " + engineer.error());
  pair.engineer = std::move(*engineer);
  const protocol::RelayMessage join = protocol::RelayJoin{.id = *id};
  if (auto sent = co_await write_relay(*pair.engineer, join); !sent)
    co_return std::unexpected(sent.error());
  auto incoming = co_await read_relay(*pair.control);
  if (!incoming) co_return std::unexpected("incoming " + incoming.error());
  const auto* ticket = std::get_if<protocol::RelayIncoming>(&*incoming);
  if (!ticket) co_return std::unexpected("control: " + describe_unexpected(*incoming));
  auto data = co_await dial_tls(client_context_, config_.target, source_for(pair.index));
  if (!data) co_return std::unexpected("data " + data.error());
  pair.host = std::move(*data);
  const protocol::RelayMessage accept = protocol::RelayAccept{ticket->ticket};
  if (auto sent = co_await write_relay(*pair.host, accept); !sent)
    co_return std::unexpected(sent.error());
  for (Tls* side : {pair.host.get(), pair.engineer.get()}) {
    auto spliced = co_await read_relay(*side);
    if (!spliced) co_return std::unexpected("spliced " + spliced.error());
    if (!std::holds_alternative<protocol::RelaySpliced>(*spliced))
      co_return std::unexpected(describe_unexpected(*spliced));
  }
  asio::co_spawn(io_, control_loop(pair), asio::detached);
  co_return std::expected<void, std::string>{};
}

// The engineer dials the splicer and names its pair in its first 8 bytes; the listener (accept_loop)
// reads them on the far side and hands the host stream to the pair.
asio::awaitable<std::expected<void, std::string>> LoadGenerator::set_up_splice(Pair& pair) {
  auto engineer = co_await dial_tls(client_context_, config_.target, source_for(pair.index));
  if (!engineer) co_return std::unexpected("engineer " + engineer.error());
  pair.engineer = std::move(*engineer);
  std::array<std::uint8_t, 8> hello{};
  for (int i = 0; i < 4; ++i) {
    hello[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(kHelloMagic >> (24 - 8 * i));
    hello[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(pair.index >> (24 - 8 * i));
  }
  if (auto [ec, n] = co_await asio::async_write(*pair.engineer, asio::buffer(hello), kTuple); ec)
    co_return std::unexpected("hello: " + ec.message());
  if (!pair.host) {  // the listener may have handed it over already (one thread: no race after this check)
    pair.host_ready.expires_after(std::chrono::seconds(30));
    co_await pair.host_ready.async_wait(kTuple);
  }
  if (!pair.host) co_return std::unexpected("the host side never arrived at the listener");
  co_return std::expected<void, std::string>{};
}

asio::awaitable<void> LoadGenerator::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(kTuple);
    if (ec) {
      if (!acceptor_->is_open()) co_return;
      log_failure("accept: " + ec.message());  // e.g. out of descriptors: the pair's setup times out
      co_await sleep_until(now_ns() + kSecond / 10);
      continue;
    }
    asio::co_spawn(io_, serve_accepted(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> LoadGenerator::serve_accepted(asio::ip::tcp::socket socket) {
  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  auto stream = std::make_unique<Tls>(std::move(socket), *server_context_);
  if (auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, kTuple); ec) co_return;
  std::array<std::uint8_t, 8> hello{};
  if (auto [ec, n] = co_await asio::async_read(*stream, asio::buffer(hello), kTuple); ec) co_return;
  std::uint32_t magic = 0, index = 0;
  for (int i = 0; i < 4; ++i) {
    magic = (magic << 8) | hello[static_cast<std::size_t>(i)];
    index = (index << 8) | hello[static_cast<std::size_t>(4 + i)];
  }
  if (magic != kHelloMagic || index >= pairs_.size() || pairs_[index]->host) co_return;
  pairs_[index]->host = std::move(stream);
  pairs_[index]->host_ready.cancel();
}

// Answers the relay's pings so it keeps the registration; the end of this loop is a lost registration.
asio::awaitable<void> LoadGenerator::control_loop(Pair& pair) {
  for (;;) {
    auto message = co_await read_relay(*pair.control);
    if (!message) break;
    if (!std::holds_alternative<protocol::RelayPing>(*message)) continue;
    const protocol::RelayMessage pong = protocol::RelayPong{};
    if (!co_await write_relay(*pair.control, pong)) break;
  }
  if (!health_.finishing) ++control_lost_;
}

void LoadGenerator::start_streams(Pair& pair, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> phase(0, 1);
  const Pacing down{config_.down_size, config_.down_rate, static_cast<std::int64_t>(phase(random) * 1e9 / config_.down_rate)};
  const Pacing up{config_.up_size, config_.up_rate, static_cast<std::int64_t>(phase(random) * 1e9 / config_.up_rate)};
  asio::co_spawn(io_, pace_writes(*pair.host, down, window_, down_, health_), asio::detached);
  asio::co_spawn(io_, read_messages(*pair.engineer, pair.down, window_, down_, health_), asio::detached);
  asio::co_spawn(io_, pace_writes(*pair.engineer, up, window_, up_, health_), asio::detached);
  asio::co_spawn(io_, read_messages(*pair.host, pair.up, window_, up_, health_), asio::detached);
}

asio::awaitable<void> LoadGenerator::stream_all() {
  window_.start_ns = now_ns() + kSecond / 5;
  window_.from_ns = window_.start_ns + seconds_ns(config_.warmup_seconds);
  window_.to_ns = window_.from_ns + seconds_ns(config_.seconds);
  window_.stop_ns = window_.to_ns + kSecond / 5;
  for (auto& pair : pairs_)
    if (pair->established) start_streams(*pair, static_cast<std::uint64_t>(pair->index) + 1);
  co_await sleep_until(window_.from_ns);
  sample("window_start");
  co_await sleep_until(window_.to_ns);
  sample("window_end");
  // Drain: everything written must arrive; give the path up to 10 s to deliver what it holds.
  const auto drain_deadline = window_.stop_ns + 10 * kSecond;
  co_await sleep_until(window_.stop_ns);
  while (now_ns() < drain_deadline && (down_.received < down_.sent || up_.received < up_.sent))
    co_await sleep_until(now_ns() + kSecond / 20);
  result_["drain_seconds"] = static_cast<double>(now_ns() - window_.stop_ns) / 1e9;
}

asio::awaitable<void> LoadGenerator::hold_idle() {
  co_await sleep_until(now_ns() + 2 * kSecond);  // let the relay settle (allocator, timers)
  sample("held");
  co_await sleep_until(now_ns() + seconds_ns(config_.seconds));
  sample("held_end");
}

void LoadGenerator::finish() {
  health_.finishing = true;
  const auto established = std::count_if(pairs_.begin(), pairs_.end(), [](const auto& p) { return p->established; });
  result_["established"] = established;
  result_["setup_failures"] = setup_failures_;
  result_["first_setup_error"] = first_setup_error_;
  result_["control_lost"] = control_lost_;
  result_["corrupt_streams"] = health_.corrupt;
  result_["broken_streams"] = health_.broken;
  result_["first_stream_error"] = health_.first_error;
  if (config_.mode != LoadMode::idle) {
    result_["window_seconds"] = config_.seconds;
    result_["lost_messages"] = (down_.sent - down_.received) + (up_.sent - up_.received);
    result_["down"] = down_.to_json(config_.seconds);
    result_["up"] = up_.to_json(config_.seconds);
  }
  if (acceptor_) acceptor_->close();
  for (auto& pair : pairs_)
    for (TlsPtr* stream : {&pair->control, &pair->host, &pair->engineer})
      if (*stream) (*stream)->lowest_layer().close();
}

}  // namespace elfdesk::bench
