// Connection lanes and pre-authentication limits over real TLS 1.3 on loopback: a key press overtakes a
// 100 MiB bulk backlog, bulk never holds more than its window, and a peer that floods Pings without
// reading costs the host at most one queued Pong (docs/security.md, "Pre-authentication memory").
#include <doctest/doctest.h>

#include <algorithm>

#include "common/send_lanes.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"
#include "tests/common/tls_pair.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using elfdesk::testing::Pair;

namespace {

constexpr std::size_t kBacklog = 100u << 20;
constexpr std::size_t kChunks = kBacklog / limits::kMaxBulkChunk;

struct BulkRun {
  std::size_t produced = 0;           // chunks handed to send_bulk
  std::size_t received = 0;           // chunks the host has read
  std::size_t max_queued_cost = 0;    // the engineer's bulk lane at its fullest
  std::size_t received_at_send = 0;   // when the key event was queued
  std::size_t received_at_key = 0;    // when it arrived
  std::size_t produced_at_key = 0;
  bool key_arrived = false;
};

asio::awaitable<void> produce(std::shared_ptr<Connection> conn, BulkRun& run) {
  for (std::size_t i = 0; i < kChunks; ++i) {
    protocol::BulkChunk chunk{1, i * limits::kMaxBulkChunk, protocol::Bytes(limits::kMaxBulkChunk, 0x5A)};
    if (!co_await conn->send_bulk(std::move(chunk))) co_return;
    ++run.produced;
    run.max_queued_cost = std::max(run.max_queued_cost, conn->queued_bulk_cost());
  }
}

}  // namespace

TEST_CASE("a key press overtakes a 100 MiB bulk backlog, and bulk stays inside its window") {
  Pair pair;
  BulkRun run;
  pair.run({}, [&run](auto engineer, auto host) -> asio::awaitable<void> {
    asio::co_spawn(engineer->executor(), produce(engineer, run), asio::detached);
    while (!run.key_arrived) {
      auto message = co_await host->receive(5s);
      REQUIRE(message);
      if (auto* chunk = std::get_if<protocol::BulkChunk>(&*message)) {
        CHECK(chunk->offset == run.received * limits::kMaxBulkChunk);  // in order, none lost
        if (++run.received == 64) {
          run.received_at_send = run.received;
          REQUIRE(engineer->send(protocol::KeyEvent{0x04, 0x61, true, 0}));
        }
      } else {
        REQUIRE(std::holds_alternative<protocol::KeyEvent>(*message));
        run.received_at_key = run.received;
        run.produced_at_key = run.produced;
        run.key_arrived = true;
      }
    }
  });
  INFO("key queued after chunk " << run.received_at_send << ", arrived after chunk " << run.received_at_key
                                 << "; " << run.produced_at_key << " of " << kChunks << " chunks produced by then");
  REQUIRE(run.key_arrived);
  // What overtook it is only what had left the queue already: the chunk being written, what the kernel
  // holds (unsent low-water mark plus the receiver's socket buffer) and the receiver's TLS buffer.
  CHECK(run.received_at_key - run.received_at_send <= 8);
  CHECK(run.produced_at_key < kChunks / 2);  // the backlog was far from drained
  CHECK(run.max_queued_cost > 0);
  CHECK(run.max_queued_cost <= Connection::kAuthenticatedCaps.bulk);
}

TEST_CASE("close() drops queued bulk data: Goodbye is the last thing the peer gets") {
  Pair pair;
  pair.run({}, [](auto engineer, auto host) -> asio::awaitable<void> {
    const protocol::BulkChunk chunk{1, 0, protocol::Bytes(limits::kMaxBulkChunk, 1)};
    int queued = 0;
    while (engineer->send(chunk)) ++queued;  // until the window is full; the writer has had no turn
    CHECK(queued >= 8);
    CHECK(engineer->queued_bulk_cost() <= Connection::kAuthenticatedCaps.bulk);
    engineer->close(protocol::GoodbyeReason::ended_by_engineer, "");
    CHECK(engineer->queued_bulk_cost() == 0);
    auto first = co_await host->receive(5s);
    REQUIRE(first);
    CHECK(std::holds_alternative<protocol::Goodbye>(*first));
  });
}

TEST_CASE("bulk data is refused before authentication and control cost counts per-message overhead") {
  Pair pair;
  pair.run({}, [](auto engineer, auto) -> asio::awaitable<void> {
    // (No braced byte lists inside a coroutine: g++ 12 cannot copy their backing array.)
    const protocol::BulkChunk chunk{1, 0, protocol::Bytes(3, 1)};
    CHECK_FALSE(engineer->send(chunk));
    auto queued = co_await engineer->send_bulk(chunk);
    CHECK_FALSE(queued);
    CHECK(engineer->queued_bulk_cost() == 0);
  }, /*authenticated=*/false);
  SendLanes lanes({1000, 0, 0, 0});
  CHECK(lanes.push_control(std::vector<std::uint8_t>(24)));
  CHECK(lanes.control_cost() == 24 + SendLanes::kPerMessageOverhead);
  CHECK(SendLanes::kPerMessageOverhead >= 64);  // a slot, a heap block header: never just the bytes
}

TEST_CASE("before authentication the send queue holds 32 KiB of cost; past it the connection fails cleanly") {
  Pair pair;
  pair.run({}, [](auto, auto host) -> asio::awaitable<void> {
    // Queued in one go, so the writer has no turn: only the cap decides.
    const protocol::Chat line{std::string(1000, 'x')};
    const std::size_t each = SendLanes::cost_of_encoded(protocol::encode_frame(line)->size());
    std::size_t accepted = 0;
    while (host->send(line)) ++accepted;
    CHECK(accepted == Connection::kUnauthenticatedCaps.control / each);
    CHECK_FALSE(host->is_open());
    REQUIRE(host->error());
    CHECK(host->error()->detail.find("send queue overflow") != std::string::npos);
    CHECK(host->queued_control_cost() == 0);  // fail() let go of everything
    co_return;
  }, /*authenticated=*/false);
}

TEST_CASE("a peer that floods Pings before authentication and never reads gets one Pong at a time") {
  Pair pair;
  std::size_t worst_cost = 0;
  std::size_t pings_sent = 0;
  std::uint64_t host_read = 0;
  pair.run({}, [&](auto attacker, auto host) -> asio::awaitable<void> {
    // The host waits for a Hello, as exchange_hello does, answering Pings meanwhile.
    asio::co_spawn(host->executor(), [host]() -> asio::awaitable<void> { (void)co_await host->receive(10s); },
                   asio::detached);
    // The attacker writes Ping frames straight into its TLS stream and never reads a byte.
    protocol::Bytes burst;
    for (int i = 0; i < 1000; ++i) {
      auto ping = protocol::encode_frame(protocol::Ping{static_cast<std::uint64_t>(i), 0});
      REQUIRE(ping);
      burst.insert(burst.end(), ping->begin(), ping->end());
    }
    for (int round = 0; round < 400 && host->is_open(); ++round) {
      auto [ec, n] = co_await asio::async_write(attacker->stream(), asio::buffer(burst),
                                                asio::experimental::as_tuple(asio::use_awaitable));
      if (ec) break;
      pings_sent += 1000;
      asio::steady_timer turn(host->executor(), 0ms);  // let the host read what arrived
      co_await turn.async_wait(asio::use_awaitable);
      worst_cost = std::max(worst_cost, host->queued_control_cost());
    }
    host_read = host->bytes_received();
  }, /*authenticated=*/false);
  INFO(pings_sent << " pings sent, " << host_read << " bytes read by the host; its control queue cost at most "
                  << worst_cost << " bytes");
  CHECK(host_read >= 100000 * 24);  // 100000 Pings reached the host: far more Pongs than it may queue
  CHECK(worst_cost <= SendLanes::cost_of_encoded(limits::kFrameHeaderSize + 16));  // one Pong
  CHECK(Connection::kUnauthenticatedCaps.control <= 64u << 10);
}
