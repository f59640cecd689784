#include "bench/relay/load_stream.hpp"

#include <algorithm>
#include <vector>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk::bench {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::int64_t kLateNs = 5'000'000;
constexpr std::int64_t kGridNs = 1'000'000;

asio::steady_timer::time_point at(std::int64_t ns) {
  return asio::steady_timer::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

void StreamHealth::fail(const std::string& what) {
  if (finishing) return;
  ++broken;
  if (first_error.empty()) first_error = what;
}

asio::awaitable<void> pace_writes(Tls& stream, Pacing pacing, const StreamWindow& window, DirectionStats& stats,
                                  StreamHealth& health) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::vector<std::uint8_t> message(pacing.message_size);
  const double interval_ns = 1e9 / pacing.per_second;
  for (std::uint32_t seq = 0;; ++seq) {
    // Due times on a 1 ms grid: streams due in the same millisecond share one timer expiry, which spares
    // the generator a timerfd update per message (its CPU is the machine's, like the relay's).
    const auto exact = window.start_ns + pacing.phase_ns + static_cast<std::int64_t>(seq * interval_ns);
    const auto due = (exact + kGridNs - 1) / kGridNs * kGridNs;
    if (due >= window.stop_ns || health.finishing) co_return;
    timer.expires_at(at(due));
    if (auto [ec] = co_await timer.async_wait(kTuple); ec) co_return;
    const auto sent = now_ns();
    if (sent >= window.stop_ns) co_return;  // behind schedule: what was not written by the end is not owed
    if (sent - due > kLateNs) ++stats.late_writes;
    fill_payload(message, PayloadStamp{seq, due, sent});
    if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(message), kTuple); ec) {
      health.fail("write: " + ec.message());
      co_return;
    }
    ++stats.sent;
  }
}

asio::awaitable<void> read_messages(Tls& stream, PayloadParser& parser, const StreamWindow& window,
                                    DirectionStats& stats, StreamHealth& health) {
  std::vector<std::uint8_t> buffer(16 * 1024);
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), kTuple);
    if (ec) {
      health.fail("read: " + ec.message());
      co_return;
    }
    const auto received = now_ns();
    const bool in_window = received >= window.from_ns && received < window.to_ns;
    if (in_window) stats.window_bytes += n;
    const bool intact = parser.feed(std::span<const std::uint8_t>(buffer.data(), n), [&](const PayloadStamp& stamp) {
      ++stats.received;
      if (stamp.due_ns >= window.from_ns && stamp.due_ns < window.to_ns) stats.record(received, stamp.due_ns, stamp.sent_ns);
    });
    if (!intact) {
      ++health.corrupt;
      health.fail("corrupt or out-of-order message after " + std::to_string(parser.received()));
      co_return;
    }
  }
}

}  // namespace elfdesk::bench
