// Framing: header layout, FrameDecoder under every byte split, caps checked at header time, sticky errors.
#include <doctest/doctest.h>

#include <chrono>

#include "protocol/codec.hpp"
#include "protocol/frame.hpp"
#include "tests/protocol/sample_messages.hpp"

namespace p = elfdesk::protocol;
namespace L = elfdesk::limits;
using elfdesk::ErrorCode;
using p::Bytes;

namespace {

Bytes stream_of_samples() {
  Bytes stream;
  for (const auto& message : p::testing::sample_messages()) {
    auto frame = p::encode_frame(message);
    REQUIRE(frame.has_value());
    stream.insert(stream.end(), frame->begin(), frame->end());
  }
  return stream;
}

// Feeds `stream` in pieces cut at the given offsets and collects every frame, failing on any error.
std::vector<p::Frame> decode_split(const Bytes& stream, std::initializer_list<std::size_t> cuts) {
  p::FrameDecoder decoder;
  std::vector<p::Frame> frames;
  std::size_t begin = 0;
  auto drain = [&] {
    while (true) {
      auto next = decoder.next();
      REQUIRE(next.has_value());
      if (!next->has_value()) break;
      frames.push_back(std::move(**next));
    }
  };
  for (std::size_t cut : cuts) {
    decoder.feed(std::span(stream.data() + begin, cut - begin));
    drain();
    begin = cut;
  }
  decoder.feed(std::span(stream.data() + begin, stream.size() - begin));
  drain();
  CHECK(decoder.buffered() == 0);
  return frames;
}

Bytes header(std::uint16_t type, std::uint8_t flags, std::uint8_t reserved, std::uint32_t length) {
  return {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), flags, reserved,
          static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

ErrorCode first_error(p::FrameDecoder& decoder, const Bytes& bytes) {
  decoder.feed(bytes);
  auto next = decoder.next();
  REQUIRE_FALSE(next.has_value());
  return next.error().code;
}

}  // namespace

TEST_CASE("write_frame and parse_frame_header agree on the 8-byte header") {
  Bytes out;
  REQUIRE(p::write_frame(out, 0x1234, Bytes{7, 8, 9}).has_value());
  CHECK(out == Bytes{0x12, 0x34, 0, 0, 0, 0, 0, 3, 7, 8, 9});
  auto parsed = p::parse_frame_header(std::span<const std::uint8_t, 8>(out.data(), 8));
  REQUIRE(parsed.has_value());
  CHECK(parsed->type == 0x1234);
  CHECK(parsed->flags == 0);
  CHECK(parsed->length == 3);
  // Senders refuse what receivers would refuse: a Ping-sized cap applies to unknown and control types.
  Bytes too_big(L::kMaxControlPayload + 1);
  CHECK(p::write_frame(out, static_cast<std::uint16_t>(p::MessageType::ping), too_big).error().code ==
        ErrorCode::oversized);
  CHECK(p::write_frame(out, static_cast<std::uint16_t>(p::MessageType::video_frame), too_big).has_value());
}

TEST_CASE("every byte split of a multi-frame stream decodes to the same frames") {
  const Bytes stream = stream_of_samples();
  const auto whole = decode_split(stream, {});
  const auto samples = p::testing::sample_messages();
  REQUIRE(whole.size() == samples.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    auto decoded = p::decode_frame(whole[i]);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == samples[i]);
  }
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    auto frames = decode_split(stream, {cut});
    REQUIRE(frames.size() == whole.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      CHECK(frames[i].type == whole[i].type);
      CHECK(frames[i].payload == whole[i].payload);
    }
  }
  // Byte by byte, and two cuts at many positions.
  p::FrameDecoder byte_wise;
  std::size_t count = 0;
  for (std::uint8_t b : stream) {
    byte_wise.feed(std::span(&b, 1));
    auto next = byte_wise.next();
    REQUIRE(next.has_value());
    if (next->has_value()) CHECK((**next).payload == whole[count++].payload);
  }
  CHECK(count == whole.size());
  for (std::size_t a = 0; a < stream.size(); a += 97) {
    for (std::size_t b = a; b < stream.size(); b += 89) CHECK(decode_split(stream, {a, b}).size() == whole.size());
  }
}

TEST_CASE("a length over the cap is rejected from the header alone") {
  p::FrameDecoder decoder;
  CHECK(first_error(decoder, header(7, 0, 0, 0xFFFFFFFF)) == ErrorCode::oversized);
  CHECK(decoder.buffered() == 0);  // nothing kept, nothing allocated for the claimed payload

  // Per-type caps: 1 MiB is fine for a video frame but not for a Ping.
  const std::uint32_t mib = 1u << 20;
  p::FrameDecoder video;
  video.feed(header(static_cast<std::uint16_t>(p::MessageType::video_frame), 0, 0, mib));
  auto pending = video.next();
  REQUIRE(pending.has_value());
  CHECK_FALSE(pending->has_value());
  p::FrameDecoder ping;
  CHECK(first_error(ping, header(static_cast<std::uint16_t>(p::MessageType::ping), 0, 0, mib)) ==
        ErrorCode::oversized);
  p::FrameDecoder unknown;
  CHECK(first_error(unknown, header(4000, 0, 0, mib)) == ErrorCode::oversized);
  // The uniform policy only applies the global cap (raw framing).
  p::FrameDecoder uniform(L::kMaxFramePayload, p::CapPolicy::uniform);
  uniform.feed(header(static_cast<std::uint16_t>(p::MessageType::ping), 0, 0, mib));
  auto waiting = uniform.next();
  REQUIRE(waiting.has_value());
  CHECK_FALSE(waiting->has_value());
  // A smaller explicit cap wins over the per-type cap.
  p::FrameDecoder small(100);
  CHECK(first_error(small, header(static_cast<std::uint16_t>(p::MessageType::video_frame), 0, 0, 101)) ==
        ErrorCode::oversized);
}

TEST_CASE("non-zero flags or reserved byte are malformed, and errors are sticky") {
  p::FrameDecoder flags;
  CHECK(first_error(flags, header(19, 1, 0, 0)) == ErrorCode::malformed);
  p::FrameDecoder reserved;
  CHECK(first_error(reserved, header(19, 0, 0x80, 0)) == ErrorCode::malformed);
  // Valid frames fed after the error do not revive the stream.
  auto ping = p::encode_frame(p::Ping{1, 2});
  REQUIRE(ping.has_value());
  flags.feed(*ping);
  auto again = flags.next();
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::malformed);
  CHECK(flags.buffered() == 0);
}

TEST_CASE("a valid frame before garbage is delivered, then the garbage fails") {
  auto ping = p::encode_frame(p::Ping{1, 2});
  REQUIRE(ping.has_value());
  Bytes stream = *ping;
  const Bytes bad = header(19, 0xFF, 0xFF, 0xFFFFFFFF);
  stream.insert(stream.end(), bad.begin(), bad.end());
  p::FrameDecoder decoder;
  decoder.feed(stream);
  auto first = decoder.next();
  REQUIRE(first.has_value());
  REQUIRE(first->has_value());
  CHECK((**first).payload == Bytes(ping->begin() + 8, ping->end()));
  CHECK_FALSE(decoder.next().has_value());
}

TEST_CASE("draining many small frames from one large feed stays linear") {
  auto ping = p::encode_frame(p::Ping{3, 4});
  REQUIRE(ping.has_value());
  constexpr std::size_t kFrames = 200000;  // 4.8 MB; a compaction per frame would move ~500 GB
  Bytes stream;
  stream.reserve(kFrames * ping->size());
  for (std::size_t i = 0; i < kFrames; ++i) stream.insert(stream.end(), ping->begin(), ping->end());
  const auto start = std::chrono::steady_clock::now();
  p::FrameDecoder decoder;
  std::size_t count = 0;
  for (std::size_t offset = 0; offset < stream.size(); offset += 1u << 20) {
    decoder.feed(std::span(stream.data() + offset, std::min<std::size_t>(1u << 20, stream.size() - offset)));
    for (auto next = decoder.next(); next && next->has_value(); next = decoder.next()) ++count;
  }
  CHECK(count == kFrames);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
