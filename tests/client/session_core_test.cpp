// SessionCore over a real TLS connection on loopback, the host side played by the test: pictures (real
// VP8) come out of next() decoded, cursor and clipboard land in the MainMailbox, probe results reach the
// caller that asked, an undecodable picture is answered with a keyframe request, and the acknowledgement
// leaves only when the command says the picture was shown, carrying decode and present times.
#include <doctest/doctest.h>

#include "client/core/session_core.hpp"
#include "common/auth/tls_context.hpp"
#include "common/zstd_codec.hpp"
#include "host/encode/video_encoder.hpp"
#include "tests/common/tls_pair.hpp"
#include "tests/host/video_test_images.hpp"

using namespace elfdesk;
using namespace elfdesk::client;
using namespace std::chrono_literals;
namespace p = elfdesk::protocol;

namespace {

using Body = std::function<asio::awaitable<void>(std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host)>;

// An engineer-side and a host-side Connection over TLS on loopback (the listen and dial transports),
// started and past authentication; then `body` runs.
void run_pair(const Body& body) {
  testing::Pair pair;
  pair.run({}, [&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host) { return body(engineer, host); });
}

p::VideoFrame real_keyframe(std::uint64_t id) {
  auto encoder = host::make_vp8_encoder(host::EncoderSettings{128, 96, 2000, 30});
  REQUIRE(encoder.has_value());
  const BgraImage screen = test::text_image(128, 96, 3);
  auto out = (*encoder)->encode(host::EncodeRequest{&screen, {Rect{0, 0, 128, 96}}, true, false, 1000});
  REQUIRE(out.has_value());
  REQUIRE(out->has_value());
  p::VideoFrame f;
  f.frame_id = id;
  f.width = 128;
  f.height = 96;
  f.keyframe = true;
  f.timings = p::FrameTimings{400, (*out)->encode_us, 100};
  f.data = std::move((*out)->data);
  return f;
}

}  // namespace

TEST_CASE("session core: a real connection's messages reach the picture, mailbox and probe callers") {
  MainMailbox mailbox;
  SessionStats stats;
  run_pair([&](std::shared_ptr<Connection> engineer, std::shared_ptr<Connection> host) -> asio::awaitable<void> {
    auto core = SessionCore::create(EngineerSession{engineer, {}, 0}, SessionLinks{&mailbox, &stats, nullptr});
    REQUIRE(core.has_value());
    SessionCore& session = **core;
    std::optional<std::expected<probes::ReceivedReport, Error>> answer;
    const auto id = session.probes().call({"disk", {}, std::nullopt, 0}, [&](auto a) { answer = std::move(a); });
    auto request = co_await host->receive(5s);
    REQUIRE(request.has_value());
    CHECK(std::get<p::ProbeRequest>(*request) == p::ProbeRequest{id, "disk", {}});

    const p::VideoFrame keyframe = real_keyframe(41);
    p::VideoFrame garbage = keyframe;
    garbage.frame_id = 42;
    garbage.data.assign(300, 0x5B);
    probes::ProbeReport report;
    report.probe = "disk";
    CHECK(host->send(p::CursorShape{3, 1, 1, 0, 0, {255, 0, 0, 255}}));
    CHECK(host->send(p::Clipboard{5, zstd_compress(std::string("hello"))}));
    CHECK(host->send(probes::make_probe_result(id, report)));
    CHECK(host->send(keyframe));
    CHECK(host->send(garbage));

    // Control messages overtake pictures on the wire (lanes): the frames may come last, in their order.
    std::optional<PictureUpdate> picture;
    int handled = 0;
    while (handled < 4 || !picture) {
      auto event = co_await session.next(5s);
      REQUIRE_MESSAGE(event.has_value(), (event ? "" : event.error().detail));
      REQUIRE_FALSE(event->goodbye);
      if (event->picture) picture = std::move(event->picture);
      else ++handled;
    }
    CHECK(host->send(p::Goodbye{p::GoodbyeReason::ended_by_customer, "bye"}));
    auto last = co_await session.next(5s);
    REQUIRE(last.has_value());
    REQUIRE(last->goodbye);
    const p::Goodbye goodbye = *last->goodbye;
    CHECK(handled == 4);  // cursor, clipboard, probe result, and the undecodable frame
    CHECK(goodbye.message == "bye");
    CHECK(picture->frame_id == 41);
    CHECK(std::get<VideoUpdate>(picture->content).image.width == 128);
    REQUIRE(answer);
    REQUIRE(answer->has_value());
    CHECK((*answer)->report.probe == "disk");
    auto mail = mailbox.take();
    CHECK(mail.cursor_shape == p::CursorShape{3, 1, 1, 0, 0, {255, 0, 0, 255}});
    CHECK(mail.clipboard == std::string("hello"));
    CHECK(stats.pictures == 1);
    CHECK(stats.bytes == keyframe.data.size());

    // The undecodable frame was answered at once; the acknowledgement only once the picture is shown.
    auto reply = co_await host->receive(5s);
    REQUIRE(reply.has_value());
    CHECK(std::get<p::KeyframeRequest>(*reply).reason == p::KeyframeReason::decode_error);
    session.acknowledge(picture->stamp(), picture->decoded_time_us + 3000);
    auto ack = co_await host->receive(5s);
    REQUIRE(ack.has_value());
    CHECK(std::get<p::FrameAck>(*ack) == p::FrameAck{41, picture->decode_us, 3000});
    CHECK(stats.present_us == 3000);
    CHECK(stats.decode_us == picture->decode_us);
    // Host work (400 + encode + 100) + half a round trip + decode + present.
    CHECK(stats.latency_us >= 400u + keyframe.timings.encode_us + 100u + picture->decode_us + 3000u);
  });
}

TEST_CASE("session core: a goodbye is described for a person, never with an empty reason") {
  using protocol::GoodbyeReason;
  for (auto reason : {GoodbyeReason::normal, GoodbyeReason::ended_by_customer, GoodbyeReason::ended_by_engineer,
                      GoodbyeReason::auth_failed, GoodbyeReason::declined, GoodbyeReason::busy,
                      GoodbyeReason::protocol_error, GoodbyeReason::timeout, GoodbyeReason::shutting_down,
                      GoodbyeReason::version_mismatch}) {
    CAPTURE(static_cast<int>(reason));
    CHECK_FALSE(describe_goodbye(protocol::Goodbye{reason, ""}).empty());
  }
  CHECK(describe_goodbye(protocol::Goodbye{GoodbyeReason::ended_by_customer, ""}) == "ended by the customer");
  // The host repeats the reason in its message when the customer ends it: said once, not twice.
  CHECK(describe_goodbye(protocol::Goodbye{GoodbyeReason::ended_by_customer, "ended by the customer"}) ==
        "ended by the customer");
  CHECK(describe_goodbye(protocol::Goodbye{GoodbyeReason::ended_by_customer, "ended by the customer (window closed)"}) ==
        "ended by the customer (window closed)");
  CHECK(describe_goodbye(protocol::Goodbye{GoodbyeReason::shutting_down, "host stopped"}) ==
        "the host is shutting down: host stopped");
  CHECK_FALSE(describe_goodbye(protocol::Goodbye{static_cast<GoodbyeReason>(200), ""}).empty());
}
