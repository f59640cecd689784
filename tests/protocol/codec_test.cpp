// Codec: round trips, exact wire layout, truncation, trailing bytes, bad values and limits.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "protocol/codec.hpp"
#include "tests/protocol/sample_messages.hpp"

namespace p = elfdesk::protocol;
namespace L = elfdesk::limits;
using elfdesk::ErrorCode;
using p::Bytes;

namespace {

Bytes payload_of(const p::Message& m) {
  auto bytes = p::encode_payload(m);
  REQUIRE_MESSAGE(bytes.has_value(), (bytes ? "" : bytes.error().detail));
  return *bytes;
}

ErrorCode decode_error(p::MessageType type, const Bytes& payload) {
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(type), payload);
  REQUIRE_FALSE(decoded.has_value());
  return decoded.error().code;
}

ErrorCode encode_error(const p::Message& m) {
  auto encoded = p::encode_payload(m);
  REQUIRE_FALSE(encoded.has_value());
  return encoded.error().code;
}

}  // namespace

TEST_CASE("every message type round-trips through payload and frame encoding") {
  const auto samples = p::testing::sample_messages();
  REQUIRE(samples.size() == p::kMessageTypeIds.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& message = samples[i];
    CAPTURE(p::name_of(p::type_of(message)));
    CHECK(static_cast<std::size_t>(p::type_of(message)) == p::kMessageTypeIds[i]);
    const Bytes payload = payload_of(message);
    auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::type_of(message)), payload);
    REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : decoded.error().detail));
    CHECK(*decoded == message);
    auto frame = p::encode_frame(message);
    REQUIRE(frame.has_value());
    REQUIRE(frame->size() == L::kFrameHeaderSize + payload.size());
    CHECK(Bytes(frame->begin() + L::kFrameHeaderSize, frame->end()) == payload);
  }
}

TEST_CASE("path report: fixed layout, frames in flight within the host's cap") {
  CHECK(payload_of(p::PathReport{1, 2, 3, 4, 5, 6}) ==
        Bytes{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 6});
  CHECK(p::encode_payload(p::PathReport{0, 0, 0, 0, 0, static_cast<std::uint16_t>(L::kMaxFramesInFlight)}).has_value());
  CHECK(encode_error(p::PathReport{0, 0, 0, 0, 0, static_cast<std::uint16_t>(L::kMaxFramesInFlight + 1)}) ==
        ErrorCode::malformed);
  const auto type = static_cast<std::uint16_t>(p::MessageType::path_report);
  Bytes bad = payload_of(p::PathReport{1, 2, 3, 4, 5, 6});
  bad.back() = static_cast<std::uint8_t>(L::kMaxFramesInFlight + 1);
  CHECK(!p::decode_payload(type, bad).has_value());
  Bytes short_payload = payload_of(p::PathReport{1, 2, 3, 4, 5, 6});
  short_payload.pop_back();
  CHECK(!p::decode_payload(type, short_payload).has_value());
  Bytes long_payload = payload_of(p::PathReport{1, 2, 3, 4, 5, 6});
  long_payload.push_back(0);
  CHECK(!p::decode_payload(type, long_payload).has_value());
  CHECK(std::string(p::name_of(p::MessageType::path_report)) == "PathReport");
}

TEST_CASE("monitor messages refuse a choice outside the list") {
  CHECK(encode_error(p::MonitorList{{{"screen", 0, 0, 800, 600, true}}, 1}) == ErrorCode::malformed);
  CHECK(encode_error(p::MonitorList{{{"screen", 0, 0, 0, 600, true}}, 0}) == ErrorCode::malformed);
  CHECK(encode_error(p::MonitorSelect{-2}) == ErrorCode::malformed);
  CHECK(encode_error(p::MonitorSelect{static_cast<std::int16_t>(L::kMaxMonitors)}) == ErrorCode::malformed);
  CHECK(payload_of(p::MonitorSelect{3}) == Bytes{0, 3});
}

TEST_CASE("a resume request carries a ticket and a proof of exactly their sizes") {
  CHECK(encode_error(p::ResumeRequest{Bytes(15, 1), Bytes(32, 2)}) == ErrorCode::malformed);
  CHECK(encode_error(p::ResumeRequest{Bytes(16, 1), Bytes(31, 2)}) == ErrorCode::malformed);
  CHECK(encode_error(p::ResumeRequest{Bytes(16, 1), Bytes{}}) == ErrorCode::malformed);
  CHECK(payload_of(p::ResumeRequest{Bytes(16, 1), Bytes(32, 2)}).size() == 4 + 16 + 4 + 32);
}

TEST_CASE("session info: bounded names and a host key of lowercase hex only") {
  const std::string key(32, 'a');
  const Bytes payload = payload_of(p::SessionInfo{"pc", "anna", key});
  CHECK(payload == Bytes{0, 2, 'p', 'c', 0, 4, 'a', 'n', 'n', 'a', 0, 32, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
                         'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
                         'a', 'a', 'a', 'a'});
  CHECK(payload_of(p::SessionInfo{std::string(L::kMaxSessionName, 'm'), "", key}).size() == 2 + 64 + 2 + 2 + 32);
  CHECK(encode_error(p::SessionInfo{std::string(L::kMaxSessionName + 1, 'm'), "u", key}) == ErrorCode::oversized);
  CHECK(encode_error(p::SessionInfo{"m", std::string(L::kMaxSessionName + 1, 'u'), key}) == ErrorCode::oversized);
  CHECK(encode_error(p::SessionInfo{"m", "u", std::string(L::kMaxHostKey + 1, 'a')}) == ErrorCode::oversized);
  CHECK(encode_error(p::SessionInfo{"m", "u", std::string(L::kMinHostKey - 1, 'a')}) == ErrorCode::malformed);
  CHECK(encode_error(p::SessionInfo{"m", "u", std::string(31, 'a') + "A"}) == ErrorCode::malformed);
  CHECK(encode_error(p::SessionInfo{"m", "u", std::string(31, 'a') + "g"}) == ErrorCode::malformed);
  CHECK(encode_error(p::SessionInfo{"m", "u", ""}) == ErrorCode::malformed);
  // On decode too: a peer's oversized name or a key that is not hex never reaches the viewer.
  Bytes long_name = payload;
  long_name[1] = 200;
  long_name.insert(long_name.begin() + 2, 198, 'x');
  CHECK(decode_error(p::MessageType::session_info, long_name) == ErrorCode::oversized);
  Bytes not_hex = payload;
  not_hex.back() = 'z';
  CHECK(decode_error(p::MessageType::session_info, not_hex) == ErrorCode::malformed);
  Bytes bad_utf8 = payload;
  bad_utf8[2] = 0xFF;
  CHECK(decode_error(p::MessageType::session_info, bad_utf8) == ErrorCode::malformed);
}

TEST_CASE("wire layout is big-endian with u16 string and u32 blob lengths") {
  auto ping = p::encode_frame(p::Ping{0x0102030405060708ull, 0x1122334455667788ull});
  REQUIRE(ping.has_value());
  CHECK(*ping == Bytes{0, 19, 0, 0, 0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8,
                       0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  CHECK(payload_of(p::Hello{1, p::Role::engineer, 0x21, "é", "x"}) ==
        Bytes{0, 1, 2, 0, 0, 0, 0x21, 0, 2, 0xC3, 0xA9, 0, 1, 'x'});
  CHECK(payload_of(p::AuthShare{{9, 8}}) == Bytes{0, 0, 0, 2, 9, 8});
  CHECK(payload_of(p::PointerEvent{-1, 2, 3, -2, 1}) == Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, 3, 0xFF, 0xFE, 0, 1});
}

TEST_CASE("every truncation of every payload is rejected as truncated") {
  for (const auto& message : p::testing::sample_messages()) {
    CAPTURE(p::name_of(p::type_of(message)));
    const Bytes payload = payload_of(message);
    for (std::size_t length = 0; length < payload.size(); ++length) {
      CAPTURE(length);
      auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::type_of(message)),
                                       std::span(payload.data(), length));
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().code == ErrorCode::truncated);
    }
  }
}

TEST_CASE("trailing bytes after the last field are malformed") {
  for (const auto& message : p::testing::sample_messages()) {
    CAPTURE(p::name_of(p::type_of(message)));
    Bytes payload = payload_of(message);
    payload.push_back(0);
    CHECK(decode_error(p::type_of(message), payload) == ErrorCode::malformed);
  }
}

TEST_CASE("unknown type ids are reported as unknown_type") {
  const Bytes payload{1, 2, 3};
  constexpr auto kNext = static_cast<std::uint16_t>(p::kLastMessageType + 1);
  for (std::uint16_t type : {std::uint16_t{0}, std::uint16_t{38}, std::uint16_t{39}, std::uint16_t{42}, std::uint16_t{49},
                             kNext, std::uint16_t{0xFFFF}}) {
    auto decoded = p::decode_payload(type, payload);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == ErrorCode::unknown_type);
  }
  CHECK(std::string(p::name_of(static_cast<p::MessageType>(kNext))) == "Unknown");
}

TEST_CASE("invalid enum and bool values are malformed on decode") {
  Bytes hello = payload_of(p::Hello{1, p::Role::host, 0, "a", "b"});
  hello[2] = 3;  // role
  CHECK(decode_error(p::MessageType::hello, hello) == ErrorCode::malformed);
  hello[2] = 0;
  CHECK(decode_error(p::MessageType::hello, hello) == ErrorCode::malformed);
  CHECK(decode_error(p::MessageType::keyframe_request, Bytes{5}) == ErrorCode::malformed);
  CHECK(decode_error(p::MessageType::goodbye, Bytes{11, 0, 0}) == ErrorCode::malformed);
  CHECK(decode_error(p::MessageType::consent_result, Bytes{0, 0, 0, 0, 0, 0, 0}) == ErrorCode::malformed);
  CHECK(decode_error(p::MessageType::auth_result, Bytes{2, 0, 0}) == ErrorCode::malformed);
  Bytes position = payload_of(p::CursorPosition{1, 2, true});
  position.back() = 0xFF;
  CHECK(decode_error(p::MessageType::cursor_position, position) == ErrorCode::malformed);
  Bytes probe = payload_of(p::ProbeResult{1, p::ProbeStatus::ok, 0, 0, {}, ""});
  probe[4] = 3;  // status
  CHECK(decode_error(p::MessageType::probe_result, probe) == ErrorCode::malformed);
  probe[4] = 1;
  probe[5] = 4;  // severity
  CHECK(decode_error(p::MessageType::probe_result, probe) == ErrorCode::malformed);
}

TEST_CASE("invalid UTF-8 in any text field is malformed") {
  const Bytes bad_sequences[] = {{0xFF}, {0xC0, 0xAF}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xE2, 0x82}};
  for (const Bytes& bad : bad_sequences) {
    Bytes chat{0, static_cast<std::uint8_t>(bad.size())};
    chat.insert(chat.end(), bad.begin(), bad.end());
    CHECK(decode_error(p::MessageType::chat, chat) == ErrorCode::malformed);
    const std::string text(bad.begin(), bad.end());
    CHECK(encode_error(p::TextInput{text}) == ErrorCode::malformed);
    CHECK(encode_error(p::Hello{1, p::Role::host, 0, text, ""}) == ErrorCode::malformed);
    CHECK(encode_error(p::ProbeRequest{1, "x", {{"k", text}}}) == ErrorCode::malformed);
  }
}

TEST_CASE("lengths over their cap are oversized even when the input is short") {
  // Hello.name claims 300 bytes (cap 256) in a 9-byte payload: rejected on the length alone.
  CHECK(decode_error(p::MessageType::hello, Bytes{0, 1, 1, 0, 0, 0, 0, 0x01, 0x2C}) == ErrorCode::oversized);
  CHECK(decode_error(p::MessageType::auth_share, Bytes{0, 0, 2, 1}) == ErrorCode::oversized);
  Bytes video = payload_of(p::VideoFrame{1, 2, 640, 480, false, {}, {{0, 0, 16, 16}}, {}, {1}});
  video.resize(video.size() - 5);
  for (int i = 0; i < 4; ++i) video.push_back(0xFF);  // data length 4 GiB - 1
  CHECK(decode_error(p::MessageType::video_frame, video) == ErrorCode::oversized);
  Bytes args = payload_of(p::ProbeRequest{1, "n", {}});
  args[args.size() - 1] = 33;  // arg count
  CHECK(decode_error(p::MessageType::probe_request, args) == ErrorCode::oversized);
  // A payload over the per-type cap is refused before any field is read.
  CHECK(decode_error(p::MessageType::ping, Bytes(L::kMaxControlPayload + 1)) == ErrorCode::oversized);
}

TEST_CASE("encoding enforces the same limits as decoding") {
  CHECK(encode_error(p::TextInput{std::string(L::kMaxTextInput + 1, 'a')}) == ErrorCode::oversized);
  CHECK(p::encode_payload(p::TextInput{std::string(L::kMaxTextInput, 'a')}).has_value());
  CHECK(encode_error(p::Chat{std::string(L::kMaxChatText + 1, 'a')}) == ErrorCode::oversized);
  CHECK(encode_error(p::Hello{1, p::Role::host, 0, std::string(L::kMaxShortString + 1, 'n'), ""}) ==
        ErrorCode::oversized);
  CHECK(encode_error(p::AuthShare{Bytes(L::kMaxAuthBlob + 1)}) == ErrorCode::oversized);
  CHECK(encode_error(p::Hello{1, static_cast<p::Role>(7), 0, "", ""}) == ErrorCode::malformed);
  CHECK(encode_error(p::ConsentResult{p::ConsentDecision::denied, p::permission::kView, ""}) == ErrorCode::malformed);
  CHECK(encode_error(p::ProbeResult{1, p::ProbeStatus::ok, 0, 0, {}, "oops"}) == ErrorCode::malformed);
  CHECK(encode_error(p::ProbeResult{1, p::ProbeStatus::ok, 0, L::kMaxProbeResultBytes + 1, {}, ""}) ==
        ErrorCode::oversized);
  CHECK(encode_error(p::Clipboard{L::kMaxClipboardBytes + 1, {}}) == ErrorCode::oversized);
  CHECK(encode_error(p::ProbeRequest{1, "p", std::vector<p::ProbeArg>(L::kMaxProbeArgs + 1)}) == ErrorCode::oversized);
  CHECK(encode_error(p::ProbeRequest{1, "p", {{"k", std::string(L::kMaxProbeArgValue + 1, 'v')}}}) ==
        ErrorCode::oversized);
  CHECK(encode_error(p::Goodbye{static_cast<p::GoodbyeReason>(0), ""}) == ErrorCode::malformed);
}

TEST_CASE("bulk chunks name a stream, carry 1..64 KiB and end inside 2^64") {
  CHECK(p::encode_payload(p::BulkChunk{1, 0, Bytes(L::kMaxBulkChunk, 5)}).has_value());
  CHECK(encode_error(p::BulkChunk{1, 0, Bytes(L::kMaxBulkChunk + 1, 5)}) == ErrorCode::oversized);
  CHECK(encode_error(p::BulkChunk{0, 0, Bytes(10, 5)}) == ErrorCode::malformed);
  CHECK(encode_error(p::BulkChunk{1, 0, {}}) == ErrorCode::malformed);
  CHECK(encode_error(p::BulkChunk{1, ~0ull - 9, Bytes(10, 5)}) == ErrorCode::malformed);
  CHECK(p::encode_payload(p::BulkChunk{1, ~0ull - 10, Bytes(10, 5)}).has_value());
  // A chunk travels as a control-sized frame: the pre-authentication incoming cap still admits it.
  CHECK(payload_of(p::BulkChunk{1, 0, Bytes(L::kMaxBulkChunk, 5)}).size() <= L::kMaxControlPayload);
}

TEST_CASE("video and cursor geometry is validated") {
  CHECK(encode_error(p::VideoFrame{1, 1, 0, 10, true, {}, {}, {}, {1}}) == ErrorCode::malformed);
  CHECK(encode_error(p::VideoFrame{1, 1, L::kMaxScreenDimension + 1, 10, true, {}, {}, {}, {1}}) == ErrorCode::oversized);
  CHECK(p::encode_payload(p::VideoFrame{1, 1, L::kMaxScreenDimension, L::kMaxScreenDimension, true, {}, {}, {}, {1}}));
  CHECK(encode_error(p::CursorShape{1, 2, 2, 0, 0, Bytes(15)}) == ErrorCode::malformed);
  CHECK(encode_error(p::CursorShape{1, 257, 1, 0, 0, Bytes(257 * 4)}) == ErrorCode::oversized);
  CHECK(encode_error(p::CursorShape{1, 2, 2, 2, 0, Bytes(16)}) == ErrorCode::malformed);  // hot spot outside
  CHECK(p::encode_payload(p::CursorShape{1, 0, 0, 0, 0, {}}).has_value());
  // Decoding a cursor whose rgba length does not match width * height * 4.
  Bytes cursor = payload_of(p::CursorShape{1, 1, 1, 0, 0, Bytes(4)});
  cursor[5] = 2;  // width 2 with 4 bytes of pixels
  CHECK(decode_error(p::MessageType::cursor_shape, cursor) == ErrorCode::malformed);
}

TEST_CASE("update rectangles must lie inside the screen and pixel updates must add up") {
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, {{48, 0, 17, 16}}, {}, {1}}) == ErrorCode::malformed);
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, {{0, 0, 0, 16}}, {}, {1}}) == ErrorCode::malformed);
  CHECK(p::encode_payload(p::VideoFrame{1, 1, 64, 64, false, {}, {{48, 48, 16, 16}}, {}, {1}}).has_value());
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, std::vector<p::ScreenRect>(L::kMaxUpdateRects + 1,
                                                                                      {0, 0, 1, 1}), {}, {1}}) ==
        ErrorCode::oversized);
  // Copies: source and destination inside the screen, at most kMaxScreenCopies.
  const std::vector<p::ScreenRect> lines{{0, 48, 64, 16}};
  CHECK(p::encode_payload(p::VideoFrame{1, 1, 64, 64, false, {}, lines, {{{0, 16, 64, 48}, 0, 0}}, {1}}).has_value());
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, lines, {{{0, 16, 64, 48}, 0, 17}}, {1}}) ==
        ErrorCode::malformed);
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, lines, {{{0, 17, 64, 48}, 0, 0}}, {1}}) ==
        ErrorCode::malformed);
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, {}, {}, {1}}) == ErrorCode::malformed);  // a delta, no area
  CHECK(encode_error(p::VideoFrame{1, 1, 64, 64, false, {}, lines,
                                   std::vector<p::ScreenCopy>(L::kMaxScreenCopies + 1, {{0, 0, 1, 1}, 1, 1}), {1}}) ==
        ErrorCode::oversized);
  const p::PixelUpdate good{1, 1, 64, 64, {}, {}, {{0, 0, 2, 2}, {63, 63, 1, 1}}, p::PixelFormat::bgra, 20, {1, 2, 3}};
  CHECK(p::encode_payload(good).has_value());
  auto wrong_size = good;
  wrong_size.raw_size = 16;
  CHECK(encode_error(wrong_size) == ErrorCode::malformed);
  auto outside = good;
  outside.rects[1].x = 64;
  CHECK(encode_error(outside) == ErrorCode::malformed);
  auto none = good;
  none.rects.clear();
  none.raw_size = 0;
  CHECK(encode_error(none) == ErrorCode::malformed);
  auto scrolled = good;  // copies: inside the screen, like VideoFrame's
  scrolled.copies = {{{0, 16, 64, 48}, 0, 0}};
  CHECK(p::encode_payload(scrolled).has_value());
  scrolled.copies[0].to_y = 17;
  CHECK(encode_error(scrolled) == ErrorCode::malformed);
  // More pixels than one update may carry, even with a tiny compressed payload.
  const p::PixelUpdate huge{1, 1, 4096, 4096, {}, {}, {{0, 0, 2048, 1024}}, p::PixelFormat::bgra, 2048u * 1024u * 4u, {1}};
  CHECK(encode_error(huge) == ErrorCode::oversized);
  auto huge_palette = huge;  // the cap is on the pixels, not on the (smaller) palette data
  huge_palette.format = p::PixelFormat::palette;
  huge_palette.raw_size = 2048u * 1024u + 2 + 4;
  CHECK(encode_error(huge_palette) == ErrorCode::oversized);
  // Decoding applies the same rules: a rectangle moved outside the screen on the wire is refused.
  Bytes wire = payload_of(good);
  wire[8 + 8 + 2 + 2 + 12 + 2 + 2 + 8] = 0x7F;  // second rectangle's x, high byte (after an empty copy list)
  CHECK(decode_error(p::MessageType::pixel_update, wire) == ErrorCode::malformed);
}

TEST_CASE("pixel updates round-trip in both formats; palette sizes and unknown formats are checked") {
  // 2x2 + 1x1 = 5 pixels: bgra 20 bytes; palette 5 indices + 2 + 4 per colour (1..256 colours).
  const p::PixelUpdate bgra{1, 1, 64, 64, {}, {}, {{0, 0, 2, 2}, {63, 63, 1, 1}}, p::PixelFormat::bgra, 20, {1, 2, 3}};
  auto palette = bgra;
  palette.format = p::PixelFormat::palette;
  for (const p::PixelUpdate& m : {bgra, palette}) {
    auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_update), payload_of(m));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == p::Message{m});
  }
  // The format byte sits between the rectangle list and raw_size.
  const Bytes wire = payload_of(palette);
  const std::size_t format_at = 8 + 8 + 2 + 2 + 12 + 2 + 2 + 2 * 8;  // head, timings, no copies, 2 rects
  CHECK(wire[format_at] == 2);
  CHECK(wire[format_at + 4] == 20);  // raw_size's low byte
  for (std::uint32_t size : {5u + 2 + 4, 5u + 2 + 4 * 256}) {
    palette.raw_size = size;
    CHECK(p::encode_payload(palette).has_value());
  }
  for (std::uint32_t size : {0u, 5u + 2 + 3, 5u + 2 + 4 * 256 + 1, 0xFFFFFFFFu}) {
    CAPTURE(size);
    palette.raw_size = size;
    CHECK(encode_error(palette) == ErrorCode::malformed);
  }
  auto unknown = bgra;
  unknown.format = static_cast<p::PixelFormat>(3);
  CHECK(encode_error(unknown) == ErrorCode::malformed);
  for (int value : {0, 3, 255}) {
    Bytes bad = payload_of(bgra);
    bad[format_at] = static_cast<std::uint8_t>(value);
    CHECK(decode_error(p::MessageType::pixel_update, bad) == ErrorCode::malformed);
  }
}

TEST_CASE("pixel patches: varint fields, the bits format, raw data, and the same rules as pixel updates") {
  // A typed glyph at the bottom right of a 1080p screen: 2 colours, 8x13 pixels, 1 bit each.
  const std::uint32_t glyph = 1 + 2 * 4 + (8 * 13 + 7) / 8;
  const p::PixelPatch typed{4711, 36'000'123'456ull, 1920, 1080, {310, 45, 0}, {}, {{1900, 1060, 8, 13}},
                            p::PixelFormat::bits, false, glyph, Bytes(glyph, 0x5A)};
  // Without a previous picture (the default base) the values are absolute: flags 1, frame id 2, capture
  // time 6 (zigzag), geometry 2 + 2, timings 2 + 1 + 1, one rectangle 2 + 2 + 1 + 1, data length 1.
  const Bytes wire = payload_of(typed);
  CHECK(wire.size() == 24 + glyph);
  CHECK(wire[0] == 0x0b);  // format bits (3) | geometry
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), wire);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{typed});
  // Varints at the edges of their fields.
  auto edges = typed;
  edges.frame_id = ~0ull;
  edges.capture_time_us = ~0ull;
  edges.timings = {~0u, 0, 127};
  edges.rects = {{0, 0, 1, 1}};
  edges.raw_size = 1 + 4 * 2 + 1;
  edges.data = Bytes(edges.raw_size, 1);
  decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), payload_of(edges));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{edges});
  // One encoding per value: a zero group padded on is refused, as is a value beyond its field.
  Bytes padded = wire;
  padded[1] |= 0x80;  // frame id 4711 = 0xE7 0x24: make the second byte continue into a zero group
  padded[2] |= 0x80;
  padded.insert(padded.begin() + 3, 0x00);
  CHECK(decode_error(p::MessageType::pixel_patch, padded) == ErrorCode::malformed);
  Bytes wide = wire;  // width 1920 (0x80 0x0F) made 0x80 0x80 0x04 = 65536, beyond a u16
  const std::size_t width_at = 1 + 2 + 6;
  wide[width_at + 1] = 0x80;
  wide.insert(wide.begin() + static_cast<std::ptrdiff_t>(width_at) + 2, 0x04);
  CHECK(decode_error(p::MessageType::pixel_patch, wide) == ErrorCode::malformed);
  // Raw data must be exactly raw_size; bits sizes must fit a colour count; the cap is on the pixels.
  auto short_data = typed;
  short_data.data.pop_back();
  CHECK(encode_error(short_data) == ErrorCode::malformed);
  auto compressed = short_data;
  compressed.compressed = true;  // zstd of raw_size bytes: any length, and raw_size is on the wire
  const Bytes compressed_wire = payload_of(compressed);
  CHECK(compressed_wire.size() == wire.size());  // raw_size's byte added, one data byte less
  decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), compressed_wire);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{compressed});
  auto no_count = typed;
  no_count.raw_size = glyph + 1;  // 17 colours would be needed
  no_count.data.push_back(0);
  CHECK(encode_error(no_count) == ErrorCode::malformed);
  auto outside = typed;
  outside.rects[0].x = 1913;
  CHECK(encode_error(outside) == ErrorCode::malformed);
  // The flags: format 0 is no format, bit 7 is not defined, bit 6 (a recall) needs a filled slot.
  for (int flags : {0x08, 0x48, 0x8b}) {
    Bytes bad = wire;
    bad[0] = static_cast<std::uint8_t>(flags);
    CHECK(decode_error(p::MessageType::pixel_patch, bad) == ErrorCode::malformed);
  }
}

// The fields a PixelPatch leaves out or sends as a difference come from the previous picture update on
// the connection: a keystroke after a VP8 frame of the same screen is ~14 bytes of fields.
TEST_CASE("pixel patches relative to the previous picture: frame id and time as differences, geometry only on a change") {
  const std::uint32_t glyph = 1 + 2 * 4 + (8 * 13 + 7) / 8;
  const p::VideoFrame before{4710, 36'000'023'456ull, 1920, 1080, false, {}, {{0, 0, 16, 16}}, {}, Bytes(40, 1)};
  p::PictureBase base;
  base.note(before);
  CHECK(base == p::PictureBase{4710, 36'000'023'456ull, 1920, 1080});
  base.note(p::FrameAck{4710, 1, 1});  // not a picture update: no change
  CHECK(base == p::PictureBase{4710, 36'000'023'456ull, 1920, 1080});

  const p::PixelPatch typed{4711, 36'000'123'456ull, 1920, 1080, {310, 45, 0}, {}, {{1900, 1060, 8, 13}},
                            p::PixelFormat::bits, false, glyph, Bytes(glyph, 0x5A)};
  auto encoded = p::encode_payload(typed, base);
  REQUIRE(encoded.has_value());
  // flags 1, frame step 1, time step 100 ms 3, timings 4, one rectangle 6, data length 1.
  CHECK(encoded->size() == 16 + glyph);
  CHECK((*encoded)[0] == 0x03);  // bits, no geometry, no copies, one rectangle
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), *encoded, base);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{typed});
  // The same bytes read against another base are another patch: the base is part of the meaning.
  const p::PictureBase other{100, 5'000'000, 1920, 1080};
  decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), *encoded, other);
  REQUIRE(decoded.has_value());
  CHECK(std::get<p::PixelPatch>(*decoded).frame_id == 101);
  CHECK(std::get<p::PixelPatch>(*decoded).capture_time_us == 5'100'000);

  // Backwards in time (zigzag) and a new screen size: both round trip.
  auto resized = typed;
  resized.capture_time_us = before.capture_time_us - 1000;
  resized.width = 1280;
  resized.height = 720;
  resized.rects = {{10, 10, 8, 13}, {30, 10, 8, 13}};
  resized.raw_size = 1 + 2 * 4 + (2 * 8 * 13 + 7) / 8;  // one palette, the bits of both rectangles
  resized.data = Bytes(resized.raw_size, 0x11);
  resized.copies = {{{0, 16, 1280, 700}, 0, 0}};
  encoded = p::encode_payload(resized, base);
  REQUIRE(encoded.has_value());
  CHECK((*encoded)[0] == (0x03 | 0x08 | 0x10 | 0x20));
  decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), *encoded, base);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{resized});

  // One encoding per value: a geometry equal to the base's, a copy count of 0 and a rectangle count of 1
  // each have a shorter form and are refused.
  const auto refused = [&](const Bytes& bytes) {
    auto r = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), bytes, base);
    return !r && r.error().code == ErrorCode::malformed;
  };
  const Bytes plain = *p::encode_payload(typed, base);
  const std::size_t after_time = 1 + 1 + 3;
  Bytes same_geometry = plain;
  same_geometry[0] |= 0x08;
  const Bytes geometry = {0x80, 0x0f, 0xb8, 0x08};  // 1920, 1080
  same_geometry.insert(same_geometry.begin() + after_time, geometry.begin(), geometry.end());
  CHECK(refused(same_geometry));
  const std::size_t after_timings = after_time + 4;
  Bytes no_copies = plain;
  no_copies[0] |= 0x10;
  no_copies.insert(no_copies.begin() + after_timings, 0x00);
  CHECK(refused(no_copies));
  Bytes one_rect = plain;
  one_rect[0] |= 0x20;
  one_rect.insert(one_rect.begin() + after_timings, 0x01);
  CHECK(refused(one_rect));
  // The unchanged bytes still decode (the insertions above are what is refused).
  CHECK(p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), plain, base).has_value());
}

// kPatchRecall: both ends keep the recent small patches' data in the same slots; a repeat goes as its slot.
TEST_CASE("pixel patches recalled: a repeat is a slot number, read back against the reader's own slots") {
  const std::uint32_t glyph = 1 + 2 * 4 + (8 * 13 + 7) / 8;
  const p::PixelPatch first{500, 1'000'000, 1920, 1080, {300, 40, 0}, {}, {{100, 200, 8, 13}},
                            p::PixelFormat::bits, false, glyph, Bytes(glyph, 0x5A)};
  p::PictureBase writer, reader;
  writer.recall = true;
  const auto send = [&](const p::PixelPatch& patch) {
    auto bytes = p::encode_payload(patch, writer);
    REQUIRE(bytes.has_value());
    writer.note(patch);
    auto read = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), *bytes, reader);
    REQUIRE(read.has_value());
    CHECK(*read == p::Message{patch});
    reader.note(*read);
    return *bytes;
  };
  const Bytes sent = send(first);
  CHECK((sent[0] & 0x40) == 0);  // new data: carried
  auto again = first;  // the same letter elsewhere on the line, later
  again.frame_id = 503;
  again.capture_time_us = 1'300'000;
  again.rects = {{164, 200, 8, 13}};
  p::PictureBase no_recall = writer;
  no_recall.recall = false;
  const Bytes carried = *p::encode_payload(again, no_recall);
  const Bytes recalled = send(again);
  CHECK(recalled[0] == 0x40);  // recalled: no format of its own, one rectangle
  CHECK(recalled.size() + glyph == carried.size());  // the data and its length byte became the slot (0)
  CHECK(writer.slots == reader.slots);
  CHECK(writer.slots.size() == 1);  // a recall adds nothing

  // The slots fill in turn and the oldest goes: after kRecallSlots other patches, `first` is sent again.
  for (std::uint32_t i = 0; i < p::kRecallSlots; ++i) {
    auto other = first;
    other.frame_id = 600 + i;
    other.data = Bytes(glyph, static_cast<std::uint8_t>(i));
    CHECK((send(other)[0] & 0x40) == 0);
  }
  again.frame_id = 700;
  CHECK((send(again)[0] & 0x40) == 0);
  CHECK(writer.slots == reader.slots);
  // Large data is never kept; a writer whose peer lacks kPatchRecall never recalls.
  auto large = first;
  large.rects = {{0, 0, 64, 64}};
  large.format = p::PixelFormat::bgra;
  large.raw_size = 64 * 64 * 4;
  large.data = Bytes(large.raw_size, 7);
  send(large);
  CHECK((send(large)[0] & 0x40) == 0);
  p::PictureBase plain = writer;
  plain.recall = false;
  CHECK((p::encode_payload(again, plain)->at(0) & 0x40) == 0);

  // Refused: a slot that holds nothing, data recalled for other rectangle sizes, a recall with a format.
  const auto refused = [](const Bytes& bytes, const p::PictureBase& base) {
    auto r = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), bytes, base);
    return !r && r.error().code == ErrorCode::malformed;
  };
  p::PictureBase one;
  one.note(first);
  one.recall = true;
  Bytes ok = *p::encode_payload(again, one);
  REQUIRE(ok[0] == 0x40);
  CHECK(refused(ok, p::PictureBase{}));  // the reader has no slot 0
  Bytes beyond = ok;
  beyond.back() = 5;  // slot 5: empty
  CHECK(refused(beyond, one));
  p::PictureBase reader_one;
  reader_one.note(first);
  Bytes wrong_size = ok;  // ..., width 8, height 13, slot 0: the rectangle made 9 wide
  REQUIRE(wrong_size[wrong_size.size() - 3] == 8);
  wrong_size[wrong_size.size() - 3] = 9;
  CHECK(refused(wrong_size, reader_one));
  Bytes with_format = ok;
  with_format[0] |= 0x03;
  CHECK(refused(with_format, reader_one));
  CHECK(p::decode_payload(static_cast<std::uint16_t>(p::MessageType::pixel_patch), ok, reader_one).has_value());
}

TEST_CASE("region frames: a region inside the screen, coded areas inside the region, copies on the screen") {
  const p::RegionFrame good{77, 36'000'000'000ull, 1920, 1080, false, {300, 2100, 0}, 2, {864, 320, 656, 368},
                            {{864, 320, 640, 352}, {1504, 672, 16, 16}}, {{{0, 0, 64, 64}, 100, 100}}, Bytes(40, 9)};
  const Bytes wire = payload_of(good);
  // The fixed fields: VideoFrame's, plus generation u32 and region 4 x u16.
  CHECK(wire.size() == 8 + 8 + 2 + 2 + 1 + 12 + 4 + 8 + (2 + 2 * 8) + (2 + 12) + 4 + 40);
  auto decoded = p::decode_payload(static_cast<std::uint16_t>(p::MessageType::region_frame), wire);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{good});
  CHECK(p::max_payload_for(static_cast<std::uint16_t>(p::MessageType::region_frame)) > L::kMaxVideoBytes);

  auto bad = good;
  bad.coded.clear();  // names no area (also a keyframe must: the viewer takes only coded areas)
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad.keyframe = true;
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.coded.push_back({848, 320, 16, 16});  // left of the region
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.coded.push_back({1504, 672, 16, 32});  // below the region
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.region = {1600, 900, 656, 368};  // reaches outside the screen
  bad.coded = {{1600, 900, 16, 16}};
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.region.width = 0;  // empty
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.copies = {{{0, 0, 64, 64}, 1900, 0}};  // a copy landing outside the screen
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.width = 0;
  CHECK(encode_error(bad) == ErrorCode::malformed);
  // The same on decode: a good frame's bytes with the region moved off the screen.
  Bytes moved = wire;
  const std::size_t region_at = 8 + 8 + 2 + 2 + 1 + 12 + 4;
  moved[region_at] = 0x07;  // x = 0x0760 = 1888: 1888 + 656 > 1920
  CHECK(decode_error(p::MessageType::region_frame, moved) == ErrorCode::malformed);
}

TEST_CASE("scaled frames: a scale of 2..4, coded areas (at least one) and copies on the screen") {
  const auto type = static_cast<std::uint16_t>(p::MessageType::scaled_frame);
  CHECK(type == 31);
  CHECK(p::is_known_type(type));
  CHECK(std::string(p::name_of(p::MessageType::scaled_frame)) == "ScaledFrame");
  CHECK(p::capability::kScaledFrame == (1u << 14));
  CHECK((p::capability::kAll & p::capability::kScaledFrame) != 0);
  const p::ScaledFrame good{78, 36'000'000'000ull, 1920, 1080, false, {300, 2100, 0}, 5, 2,
                            {{0, 0, 1920, 544}, {1888, 1056, 32, 24}}, {{{0, 0, 64, 64}, 100, 100}}, Bytes(40, 9)};
  const Bytes wire = payload_of(good);
  // The fixed fields: VideoFrame's, plus generation u32 and scale u8 (no region: the picture is the screen).
  const std::size_t generation_at = 8 + 8 + 2 + 2 + 1 + 12;
  const std::size_t scale_at = generation_at + 4;
  const std::size_t coded_at = scale_at + 1;
  const std::size_t copies_at = coded_at + 2 + 2 * 8;
  CHECK(wire.size() == copies_at + (2 + 12) + 4 + 40);
  CHECK(Bytes(wire.begin() + generation_at, wire.begin() + scale_at) == Bytes{0, 0, 0, 5});
  CHECK(wire[scale_at] == 2);
  CHECK(Bytes(wire.begin() + coded_at, wire.begin() + coded_at + 4) == Bytes{0, 2, 0, 0});  // count 2, x 0
  auto decoded = p::decode_payload(type, wire);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{good});
  CHECK(p::max_payload_for(type) > L::kMaxVideoBytes);
  // A keyframe of the whole screen round-trips too.
  auto key = good;
  key.keyframe = true;
  key.coded = {{0, 0, 1920, 1080}};
  key.copies.clear();
  decoded = p::decode_payload(type, payload_of(key));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == p::Message{key});
  // A ScaledFrame is a picture update: a PixelPatch after it is relative to it.
  p::PictureBase base;
  base.note(good);
  CHECK(base == p::PictureBase{78, 36'000'000'000ull, 1920, 1080});

  // The scale: 2..4 (limits::kMinFrameScale..kMaxFrameScale) on encode and decode, nothing else.
  for (const std::uint8_t scale : {std::uint8_t{2}, std::uint8_t{3}, std::uint8_t{4}}) {
    CAPTURE(int{scale});
    auto scaled = good;
    scaled.scale = scale;
    const Bytes bytes = payload_of(scaled);
    CHECK(bytes[scale_at] == scale);
    decoded = p::decode_payload(type, bytes);
    REQUIRE(decoded.has_value());
    CHECK(std::get<p::ScaledFrame>(*decoded).scale == scale);
  }
  CHECK(L::kMinFrameScale == 2);
  CHECK(L::kMaxFrameScale == 4);
  for (const std::uint8_t scale : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{5}, std::uint8_t{255}}) {
    CAPTURE(int{scale});
    auto bad = good;
    bad.scale = scale;
    CHECK(encode_error(bad) == ErrorCode::malformed);
    Bytes bytes = wire;
    bytes[scale_at] = scale;
    CHECK(decode_error(p::MessageType::scaled_frame, bytes) == ErrorCode::malformed);
  }

  // No coded area: the viewer takes the picture only inside `coded`, so a frame (keyframe or not) names one.
  auto bad = good;
  bad.coded.clear();
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad.keyframe = true;
  CHECK(encode_error(bad) == ErrorCode::malformed);
  Bytes uncoded = wire;  // the coded list cut to a count of 0
  uncoded.erase(uncoded.begin() + static_cast<std::ptrdiff_t>(coded_at) + 2,
                uncoded.begin() + static_cast<std::ptrdiff_t>(copies_at));
  uncoded[coded_at + 1] = 0;
  CHECK(decode_error(p::MessageType::scaled_frame, uncoded) == ErrorCode::malformed);

  // A coded area off the screen (past the right edge, below the bottom, or empty).
  bad = good;
  bad.coded.push_back({1904, 0, 32, 16});
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.coded.push_back({0, 1072, 16, 16});
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.coded.push_back({0, 0, 0, 16});
  CHECK(encode_error(bad) == ErrorCode::malformed);
  Bytes off_screen = wire;  // the second area's x from 1888 (0x0760) to 1889: 1889 + 32 > 1920
  const std::size_t second_x = coded_at + 2 + 8;
  REQUIRE(off_screen[second_x] == 0x07);
  REQUIRE(off_screen[second_x + 1] == 0x60);
  off_screen[second_x + 1] = 0x61;
  CHECK(decode_error(p::MessageType::scaled_frame, off_screen) == ErrorCode::malformed);

  // A copy off the screen: landing outside, or taken from outside.
  bad = good;
  bad.copies = {{{0, 0, 64, 64}, 1900, 0}};
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.copies = {{{1900, 1050, 64, 64}, 0, 0}};
  CHECK(encode_error(bad) == ErrorCode::malformed);
  Bytes copied_off = wire;  // the copy's to_x from 100 to 1900 (0x076C): 1900 + 64 > 1920
  const std::size_t to_x = copies_at + 2 + 8;
  REQUIRE(copied_off[to_x] == 0);
  REQUIRE(copied_off[to_x + 1] == 100);
  copied_off[to_x] = 0x07;
  copied_off[to_x + 1] = 0x6C;
  CHECK(decode_error(p::MessageType::scaled_frame, copied_off) == ErrorCode::malformed);

  // An empty or oversized screen.
  bad = good;
  bad.width = 0;
  CHECK(encode_error(bad) == ErrorCode::malformed);
  bad = good;
  bad.height = L::kMaxScreenDimension + 1;
  CHECK(encode_error(bad) == ErrorCode::oversized);

  // The cap is exact: the largest conforming ScaledFrame is max_payload_for's bytes.
  const p::ScaledFrame largest{~0ull, ~0ull, 3840, 2160, true, {~0u, ~0u, ~0u}, ~0u, L::kMaxFrameScale,
                               std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 3840, 2160}),
                               std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                               Bytes(L::kMaxVideoBytes, 7)};
  CHECK(payload_of(largest).size() == p::max_payload_for(type));
  auto too_much = largest;
  too_much.data.push_back(7);
  CHECK(encode_error(too_much) == ErrorCode::oversized);
}

TEST_CASE("messages at their limits encode within max_payload_for and decode") {
  const std::string short_text(L::kMaxShortString, 's');
  std::vector<p::ProbeArg> args(L::kMaxProbeArgs, {short_text, std::string(L::kMaxProbeArgValue, 'v')});
  const p::Message largest[] = {
      p::VideoFrame{1, 2, 3840, 2160, true, {}, std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 3840, 2160}),
                    std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                    Bytes(L::kMaxVideoBytes, 7)},
      p::PixelUpdate{1, 2, 3840, 2160, {}, std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                     std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 64, 64}),
                     p::PixelFormat::bgra, static_cast<std::uint32_t>(L::kMaxPixelUpdateRaw),
                     Bytes(L::kMaxPixelUpdateCompressed, 3)},
      p::PixelPatch{~0ull, ~0ull, 3840, 2160, {~0u, ~0u, ~0u},
                    std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                    std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 64, 64}), p::PixelFormat::bgra, true,
                    static_cast<std::uint32_t>(L::kMaxPixelUpdateRaw), Bytes(L::kMaxPixelUpdateCompressed, 3)},
      p::RegionFrame{~0ull, ~0ull, 3840, 2160, true, {~0u, ~0u, ~0u}, ~0u, {0, 0, 3840, 2160},
                     std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 3840, 2160}),
                     std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                     Bytes(L::kMaxVideoBytes, 7)},
      p::ScaledFrame{~0ull, ~0ull, 3840, 2160, true, {~0u, ~0u, ~0u}, ~0u, L::kMaxFrameScale,
                     std::vector<p::ScreenRect>(L::kMaxUpdateRects, {0, 0, 3840, 2160}),
                     std::vector<p::ScreenCopy>(L::kMaxScreenCopies, {{0, 1, 3840, 2159}, 0, 0}),
                     Bytes(L::kMaxVideoBytes, 7)},
      p::CursorShape{1, L::kMaxCursorDimension, L::kMaxCursorDimension, 255, 255,
                     Bytes(L::kMaxCursorDimension * L::kMaxCursorDimension * 4, 9)},
      p::ProbeResult{1, p::ProbeStatus::error, 3, L::kMaxProbeResultBytes, Bytes(L::kMaxProbeResultCompressed, 1),
                     std::string(L::kMaxProbeErrorText, 'e')},
      p::Clipboard{L::kMaxClipboardBytes, Bytes(L::kMaxClipboardCompressed, 2)},
      p::ProbeRequest{1, short_text, args},
      p::Hello{1, p::Role::host, ~0u, short_text, short_text},
      p::BulkChunk{~0u, 0, Bytes(L::kMaxBulkChunk, 4)},
  };
  for (const auto& message : largest) {
    CAPTURE(p::name_of(p::type_of(message)));
    const auto type = static_cast<std::uint16_t>(p::type_of(message));
    const Bytes payload = payload_of(message);
    CHECK(payload.size() <= p::max_payload_for(type));
    CHECK(payload.size() <= L::kMaxFramePayload);
    auto decoded = p::decode_payload(type, payload);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == message);
  }
  CHECK(p::max_payload_for(static_cast<std::uint16_t>(p::MessageType::ping)) == L::kMaxControlPayload);
  CHECK(p::max_payload_for(999) == L::kMaxControlPayload);
  CHECK(p::max_payload_for(static_cast<std::uint16_t>(p::MessageType::cursor_shape)) > L::kMaxControlPayload);
}

TEST_CASE("random payloads never crash and decode only to canonical encodings") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  int accepted = 0;
  for (int round = 0; round < 50000; ++round) {
    const auto type = static_cast<std::uint16_t>(rng() % 52);
    Bytes payload(rng() % 40);
    for (auto& b : payload) b = static_cast<std::uint8_t>(byte(rng));
    auto decoded = p::decode_payload(type, payload);
    if (!p::is_known_type(type)) {
      REQUIRE_FALSE(decoded.has_value());
      CHECK(decoded.error().code == ErrorCode::unknown_type);
    } else if (decoded) {
      ++accepted;
      CHECK(payload_of(*decoded) == payload);  // strict decoding means one encoding per message
    } else {
      const auto code = decoded.error().code;
      CHECK((code == ErrorCode::truncated || code == ErrorCode::malformed || code == ErrorCode::oversized));
    }
  }
  CHECK(accepted > 0);  // fixed-size messages (Ping, FrameAck, ...) do decode from random bytes
}
