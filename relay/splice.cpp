#include "relay/splice.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <memory>
#include <optional>

namespace elfdesk::relay {
namespace {

using namespace asio::experimental::awaitable_operators;
using TimePoint = std::chrono::steady_clock::time_point;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

struct SpliceState {
  explicit SpliceState(asio::any_io_executor executor) : watchdog(std::move(executor)) {}
  asio::steady_timer watchdog;
  TimePoint last_activity{};
  std::optional<TimePoint> first_end;  // one direction has ended
  int running = 2;
  bool failed = false;
};

// from -> to until `from` ends (then `to` is told: close_notify) or either fails (then both close).
asio::awaitable<void> pump(Peer& from, Peer& to, std::uint64_t& total, std::uint64_t& metric, SpliceState& s,
                           BufferPool& buffers) {
  std::unique_ptr<std::uint8_t[]> buffer;
  const Clock& clock = from.state.clock;
  bool more = false;  // the last read filled the buffer: more is probably there, read at once
  for (;;) {
    if (!more) {
      if (buffer) buffers.give(std::move(buffer));
      if (auto ec = co_await from.tls->wait_readable(); ec) {
        s.failed = true;
        break;
      }
    }
    if (!buffer) buffer = buffers.take();
    auto [ec, n] = co_await from.tls->read_some(std::span(buffer.get(), kSpliceBuffer), false);
    if (ec) {
      if (ec != asio::error::eof) s.failed = true;
      break;
    }
    s.last_activity = clock.now();
    if (auto wec = co_await to.tls->write_all(std::span(buffer.get(), n)); wec) {
      s.failed = true;
      break;
    }
    more = n == kSpliceBuffer;
    total += n;
    metric += n;
    s.last_activity = clock.now();
  }
  if (buffer) buffers.give(std::move(buffer));
  if (s.failed) {
    from.close();
    to.close();
  } else {
    co_await to.tls->shutdown_send();
  }
  if (!s.first_end) s.first_end = clock.now();
  --s.running;
  s.watchdog.cancel();  // re-plan: half-open deadline, or done
}

// Cuts the pair when no byte moved for splice_idle, or one side ended half_open ago.
asio::awaitable<void> watch(Peer& host, Peer& engineer, SpliceState& s, std::string& end) {
  const RelayLimits& limits = host.state.config.limits;
  const Clock& clock = host.state.clock;
  while (s.running > 0) {
    const bool half = s.first_end.has_value();
    const TimePoint deadline = half ? *s.first_end + limits.half_open : s.last_activity + limits.splice_idle;
    if (clock.now() >= deadline) {
      end = half ? "half_open" : "idle";
      ++host.state.metrics.deadline_cuts_total;
      host.close();
      engineer.close();
      break;
    }
    s.watchdog.expires_after(deadline - clock.now());
    co_await s.watchdog.async_wait(kTuple);
  }
}

}  // namespace

asio::awaitable<SpliceResult> splice(Peer& host, Peer& engineer, BufferPool& buffers) {
  RelayState& state = host.state;
  SpliceState s(state.executor);
  s.last_activity = state.clock.now();
  SpliceResult result;
  result.end = "closed";
  co_await (pump(host, engineer, result.host_to_engineer, state.metrics.bytes_host_to_engineer, s, buffers) &&
            pump(engineer, host, result.engineer_to_host, state.metrics.bytes_engineer_to_host, s, buffers) &&
            watch(host, engineer, s, result.end));
  if (s.failed && result.end == "closed") result.end = "error";
  host.close();
  engineer.close();
  co_return result;
}

}  // namespace elfdesk::relay
