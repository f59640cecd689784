// Connection over real TLS 1.3 on loopback: ordering, caps, deadlines, keep-alive, orderly close.
#include <doctest/doctest.h>

#include <functional>
#include <stdexcept>

#include "common/auth/tls_context.hpp"
#include "common/clock.hpp"
#include "common/connection.hpp"
#include "common/transport.hpp"
#include "tests/common/tls_pair.hpp"
#include "protocol/frame.hpp"

using namespace elfdesk;
using namespace std::chrono_literals;
using elfdesk::testing::Pair;

namespace {

// A 16x16 keyframe carrying `bytes` bytes of (meaningless) VP8 data: only the sizes matter here.
protocol::VideoFrame keyframe(std::uint64_t id, std::size_t bytes) {
  protocol::VideoFrame frame;
  frame.frame_id = id;
  frame.width = 16;
  frame.height = 16;
  frame.keyframe = true;
  frame.data.assign(bytes, 7);
  return frame;
}

}  // namespace

TEST_CASE("control messages overtake queued picture updates, which keep their order") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    // Frames 1 and 3 are VP8, 2 is exact pixels: small, but it must not overtake frame 1.
    const protocol::PixelUpdate pixels{2, 0, 16, 16, {}, {}, {{0, 0, 1, 1}}, protocol::PixelFormat::bgra, 4, {1, 2, 3}};
    CHECK(server->send(keyframe(1, 100000)));
    CHECK(server->send(pixels));
    CHECK(server->send(keyframe(3, 100000)));
    CHECK(server->send(protocol::Chat{"urgent"}));
    auto first = co_await client->receive(5s);
    REQUIRE(first);
    CHECK(std::holds_alternative<protocol::Chat>(*first));
    for (std::uint64_t id = 1; id <= 3; ++id) {
      auto next = co_await client->receive(5s);
      REQUIRE(next);
      if (id == 2) {
        REQUIRE(std::holds_alternative<protocol::PixelUpdate>(*next));
        CHECK(std::get<protocol::PixelUpdate>(*next).frame_id == 2);
      } else {
        REQUIRE(std::holds_alternative<protocol::VideoFrame>(*next));
        CHECK(std::get<protocol::VideoFrame>(*next).frame_id == id);
      }
    }
    CHECK(server->bytes_sent() > 200000);
  });
}

TEST_CASE("queue_us is stamped when a picture update is written, from its own capture and encode times") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    // Captured 80 ms ago, 1 ms to capture, 2 ms to encode: it has waited 77 ms when it is written. The
    // streamer's own guess (999) is replaced. A second update captured "in the future" clamps to 0.
    auto waited = keyframe(1, 1000);
    waited.capture_time_us = monotonic_us() - 80'000;
    waited.timings = {1000, 2000, 999};
    auto early = keyframe(2, 1000);
    early.capture_time_us = monotonic_us() + 10'000'000;
    early.timings = {1000, 2000, 999};
    const auto queued_at = monotonic_us();
    CHECK(server->send(waited));
    CHECK(server->send(early));
    auto first = co_await client->receive(5s);
    auto second = co_await client->receive(5s);
    const auto received_at = monotonic_us();
    REQUIRE(first);
    REQUIRE(second);
    const auto queue_us = std::get<protocol::VideoFrame>(*first).timings.queue_us;
    CHECK(queue_us >= 77'000);
    CHECK(queue_us <= 77'000 + (received_at - queued_at));
    CHECK(std::get<protocol::VideoFrame>(*first).timings.encode_us == 2000);
    CHECK(std::get<protocol::VideoFrame>(*second).timings.queue_us == 0);
    // Encoded only when written, a picture update is still checked when queued: no width is refused now.
    auto broken = keyframe(3, 10);
    broken.width = 0;
    CHECK_FALSE(server->send(broken));
    CHECK(server->queued_video() == 0);
  });
}

// A PixelPatch's frame id and capture time travel as differences from the picture before it, and its
// geometry only on a change: both ends follow the pictures in wire order, so what arrives is what was sent.
TEST_CASE("pixel patches cross a connection relative to the picture before them and arrive whole") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    std::vector<protocol::Message> sent;
    auto first = keyframe(4710, 300);  // a 1080p screen, ten hours after boot
    first.width = 1920;
    first.height = 1080;
    first.capture_time_us = 36'000'000'000;
    sent.emplace_back(first);
    for (std::uint64_t i = 1; i <= 6; ++i) {
      protocol::PixelPatch patch{4710 + i, first.capture_time_us + i * 100'000, 1920, 1080, {300, 40, 0}, {},
                                 {{static_cast<std::uint16_t>(i), 2, 1, 1}}, protocol::PixelFormat::bgra,
                                 false, 4, {1, 2, 3, static_cast<std::uint8_t>(i)}};
      if (i == 4) patch.height = 720;                 // a new screen size: the geometry goes along (and back)
      if (i == 5) patch.capture_time_us -= 150'000;  // captured before the one before it
      sent.emplace_back(patch);
    }
    for (const auto& m : sent) CHECK(server->send(m));
    const auto queue_us_of = [](protocol::Message& m) -> std::uint32_t& {
      return std::visit([](auto& x) -> std::uint32_t& {
        if constexpr (requires { x.timings; }) return x.timings.queue_us;
        else throw std::logic_error("not a picture update");
      }, m);
    };
    std::uint64_t wire = 0, absolute = 0;
    protocol::PictureBase base;
    for (auto& m : sent) {
      auto got = co_await client->receive(5s);
      REQUIRE(got);
      queue_us_of(m) = queue_us_of(*got);  // the writer's stamp; everything else must be as sent
      CHECK(*got == m);
      wire += protocol::encode_frame(m, base)->size();
      absolute += protocol::encode_frame(m)->size();
      base.note(m);
    }
    CHECK(client->bytes_received() == wire);  // what crossed is the relative form
    // Each patch: the frame id 1 byte instead of 2, the time 3 instead of 6; four without geometry (4 bytes).
    CHECK(wire + 6 * (1 + 3) + 4 * 4 == absolute);
  });
}

TEST_CASE("an oversized frame header fails the connection before the payload is read") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    // A Ping claiming 4 MiB: far above the control-message cap.
    std::vector<std::uint8_t> header = {0, static_cast<std::uint8_t>(protocol::MessageType::ping), 0, 0, 0, 0x40, 0, 0};
    co_await asio::async_write(client->stream(), asio::buffer(header), asio::use_awaitable);
    auto received = co_await server->receive(5s);
    REQUIRE_FALSE(received);
    CHECK(received.error().code == ErrorCode::malformed);
    CHECK(received.error().detail.find("protocol error") != std::string::npos);
    CHECK_FALSE(server->is_open());
  });
}

TEST_CASE("limit_incoming caps even picture frames, and lifting it lets them through again") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    server->limit_incoming(limits::kMaxControlPayload);  // as the host does until the code is proven
    CHECK(client->send(keyframe(1, 1000)));  // small: fine in either phase
    auto small = co_await server->receive(5s);
    REQUIRE(small);
    CHECK(std::holds_alternative<protocol::VideoFrame>(*small));
    server->limit_incoming(limits::kMaxFramePayload);  // authenticated
    CHECK(client->send(keyframe(2, limits::kMaxControlPayload + 1000)));
    auto large = co_await server->receive(5s);
    REQUIRE(large);
    CHECK(std::get<protocol::VideoFrame>(*large).data.size() == limits::kMaxControlPayload + 1000);
    server->limit_incoming(limits::kMaxControlPayload);
    // Only the header is sent: the refusal must not wait for (or buffer) the announced payload.
    std::vector<std::uint8_t> header = {0, static_cast<std::uint8_t>(protocol::MessageType::video_frame), 0, 0,
                                        0, 0x10, 0, 0};  // 1 MiB
    co_await asio::async_write(client->stream(), asio::buffer(header), asio::use_awaitable);
    auto refused = co_await server->receive(5s);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::malformed);
    CHECK_FALSE(server->is_open());
  });
}

TEST_CASE("a silent peer is dropped when the read deadline expires") {
  Pair pair;
  pair.run({}, [](auto, auto server) -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    auto received = co_await server->receive(300ms);
    REQUIRE_FALSE(received);
    CHECK(received.error().code == ErrorCode::timeout);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  });
}

TEST_CASE("keep-alive pings are answered inside receive and measure the round trip") {
  Pair pair;
  ConnectionTimeouts fast;
  fast.keepalive = 50ms;
  pair.run(fast, [](auto client, auto server) -> asio::awaitable<void> {
    asio::co_spawn(server->executor(), [server]() -> asio::awaitable<void> {
      asio::steady_timer t(server->executor(), 400ms);
      co_await t.async_wait(asio::use_awaitable);
      server->send(protocol::Chat{"after pings"});
    }, asio::detached);
    // The server reads too (it must answer the client's pings); it sees only the client's data messages.
    asio::co_spawn(server->executor(), [server]() -> asio::awaitable<void> { (void)co_await server->receive(2s); }, asio::detached);
    auto received = co_await client->receive(2s);
    REQUIRE(received);
    CHECK(std::holds_alternative<protocol::Chat>(*received));  // pings and pongs never surface
    REQUIRE(client->round_trip().has_value());
    CHECK(client->round_trip()->count() < 1'000'000);
  });
}

TEST_CASE("close sends Goodbye, flushes, and the peer then sees the end") {
  Pair pair;
  pair.run({}, [](auto client, auto server) -> asio::awaitable<void> {
    server->send(protocol::Chat{"last words"});
    server->close(protocol::GoodbyeReason::ended_by_customer, "customer pressed End session");
    CHECK_FALSE(server->send(protocol::Chat{"too late"}));
    auto chat = co_await client->receive(5s);
    REQUIRE(chat);
    CHECK(std::get<protocol::Chat>(*chat).text == "last words");
    auto bye = co_await client->receive(5s);
    REQUIRE(bye);
    REQUIRE(std::holds_alternative<protocol::Goodbye>(*bye));
    CHECK(std::get<protocol::Goodbye>(*bye).reason == protocol::GoodbyeReason::ended_by_customer);
    auto end = co_await client->receive(5s);
    REQUIRE_FALSE(end);
    CHECK((end.error().code == ErrorCode::closed || end.error().code == ErrorCode::io));
  });
}

TEST_CASE("connecting to a closed port is a network error") {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  std::optional<Error> error;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    DialTransport dialer(io.get_executor(), "127.0.0.1", port, 5s);
    auto ok = co_await dialer.next();
    if (!ok) error = ok.error();
  }, asio::detached);
  io.run_for(10s);
  REQUIRE(error);
  CHECK(error->code == ErrorCode::io);
  CHECK(error->detail.find("cannot connect") != std::string::npos);
}
