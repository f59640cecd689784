// The relay's rendezvous messages (protocol/relay_wire): every message round-trips, and every kind of bad
// input is refused with its documented error before anything is trusted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/relay_wire.hpp"

namespace p = elfdesk::protocol;
using elfdesk::ErrorCode;

namespace {

std::vector<std::uint8_t> ticket(std::uint8_t fill) { return std::vector<std::uint8_t>(p::kRelayTicketBytes, fill); }

std::vector<std::uint8_t> body_of(const p::RelayMessage& message) {
  auto body = p::encode_relay_body(message);
  REQUIRE(body);
  return *body;
}

ErrorCode decode_error(std::vector<std::uint8_t> body) {
  auto decoded = p::decode_relay_body(body);
  REQUIRE_FALSE(decoded);
  CHECK_FALSE(decoded.error().detail.empty());
  return decoded.error().code;
}

}  // namespace

TEST_CASE("every relay message survives encode and decode unchanged") {
  const std::vector<p::RelayMessage> messages = {
      p::RelayRegister{1},
      p::RelayRegistered{"012345", 600},
      p::RelayJoin{1, "999999"},
      p::RelayIncoming{ticket(0xab)},
      p::RelayAccept{ticket(0x01)},
      p::RelaySpliced{},
      p::RelayRefused{p::RelayRefusal::no_such_session, "gone"},
      p::RelayRefused{p::RelayRefusal::host_gone, ""},
      p::RelayRedirect{"relay-2.example.org:7418"},
      p::RelayPing{},
      p::RelayPong{},
      p::RelayBind{std::vector<std::uint8_t>(p::kRelayClaimBytes, 0x5a)},
      p::RelayReclaim{1, "000042", std::vector<std::uint8_t>(p::kRelayClaimBytes, 0xc3)},
      p::RelayRefused{p::RelayRefusal::not_yours, ""},
  };
  for (const auto& message : messages) {
    const auto body = body_of(message);
    auto decoded = p::decode_relay_body(body);
    REQUIRE(decoded);
    CHECK(decoded->index() == message.index());
    CHECK(body_of(*decoded) == body);  // canonical: decode then encode gives the same bytes
  }
  auto frame = p::encode_relay_frame(p::RelayJoin{1, "123456"});
  REQUIRE(frame);
  auto length = p::relay_body_length((*frame)[0], (*frame)[1]);
  REQUIRE(length);
  CHECK(*length == frame->size() - 2);
  auto join = p::decode_relay_body(std::span(*frame).subspan(2));
  REQUIRE(join);
  CHECK(std::get<p::RelayJoin>(*join).id == "123456");
}

TEST_CASE("a writer refuses what a reader would refuse") {
  CHECK_FALSE(p::encode_relay_body(p::RelayJoin{1, "12345"}));     // 5 digits
  CHECK_FALSE(p::encode_relay_body(p::RelayJoin{1, "12345a"}));    // not a digit
  CHECK_FALSE(p::encode_relay_body(p::RelayRegistered{"1234567", 1}));
  CHECK_FALSE(p::encode_relay_body(p::RelayAccept{std::vector<std::uint8_t>(31, 0)}));
  CHECK_FALSE(p::encode_relay_body(p::RelayRefused{p::RelayRefusal::capacity, std::string(201, 'x')}));
  CHECK_FALSE(p::encode_relay_body(p::RelayRefused{p::RelayRefusal::capacity, "\xff"}));
  CHECK_FALSE(p::encode_relay_body(p::RelayRefused{static_cast<p::RelayRefusal>(99), ""}));
  CHECK_FALSE(p::encode_relay_body(p::RelayRedirect{""}));
  CHECK_FALSE(p::encode_relay_body(p::RelayBind{std::vector<std::uint8_t>(31, 0)}));
  CHECK_FALSE(p::encode_relay_body(p::RelayBind{std::vector<std::uint8_t>(33, 0)}));
  CHECK_FALSE(p::encode_relay_body(p::RelayReclaim{1, "12345", std::vector<std::uint8_t>(32, 0)}));
  CHECK_FALSE(p::encode_relay_body(p::RelayReclaim{1, "123456", {}}));
}

TEST_CASE("Reclaim and Bind carry exactly their fields") {
  const std::vector<std::uint8_t> key(p::kRelayClaimBytes, 0x11);
  auto body = body_of(p::RelayReclaim{1, "654321", key});
  CHECK(body.size() == 1 + 2 + p::kRelayIdDigits + p::kRelayClaimBytes);
  CHECK(body[0] == 12);
  auto decoded = p::decode_relay_body(body);
  REQUIRE(decoded);
  const auto& reclaim = std::get<p::RelayReclaim>(*decoded);
  CHECK(reclaim.version == 1);
  CHECK(reclaim.id == "654321");
  CHECK(reclaim.key == key);
  auto bind = p::decode_relay_body(body_of(p::RelayBind{key}));
  REQUIRE(bind);
  CHECK(std::get<p::RelayBind>(*bind).verifier == key);
}

TEST_CASE("malformed Reclaim and Bind are refused") {
  std::vector<std::uint8_t> reclaim = body_of(p::RelayReclaim{1, "654321", std::vector<std::uint8_t>(32, 1)});
  auto short_key = reclaim;
  short_key.pop_back();
  CHECK(decode_error(short_key) == ErrorCode::truncated);
  auto long_key = reclaim;
  long_key.push_back(0);
  CHECK(decode_error(long_key) == ErrorCode::malformed);  // trailing byte
  auto bad_id = reclaim;
  bad_id[3] = 'x';
  CHECK(decode_error(bad_id) == ErrorCode::malformed);
  CHECK(decode_error({12, 0}) == ErrorCode::truncated);
  std::vector<std::uint8_t> bind(1 + p::kRelayClaimBytes - 1, 0);
  bind[0] = 11;
  CHECK(decode_error(bind) == ErrorCode::truncated);
  bind.resize(1 + p::kRelayClaimBytes + 1, 0);
  CHECK(decode_error(bind) == ErrorCode::malformed);
  CHECK(decode_error({7, 10, 0, 0}) == ErrorCode::malformed);  // a refusal past not_yours
}

TEST_CASE("bad relay input is refused with its documented error") {
  CHECK(decode_error({}) == ErrorCode::malformed);
  CHECK(decode_error({0}) == ErrorCode::unknown_type);
  CHECK(decode_error({200}) == ErrorCode::unknown_type);
  CHECK(decode_error({1}) == ErrorCode::truncated);                          // Register without its version
  CHECK(decode_error({3, 0, 1, '1', '2', '3'}) == ErrorCode::truncated);      // Join with half an id
  CHECK(decode_error({3, 0, 1, '1', '2', '3', '4', '5', 'x'}) == ErrorCode::malformed);
  CHECK(decode_error({9, 0}) == ErrorCode::malformed);                        // Ping with a trailing byte
  CHECK(decode_error({7, 42, 0, 0}) == ErrorCode::malformed);                 // unknown refusal
  CHECK(decode_error({7, 1, 0, 1, 0xff}) == ErrorCode::malformed);            // text that is not UTF-8
  CHECK(decode_error({7, 1, 0, 201}) == ErrorCode::oversized);                // text over 200 bytes
  CHECK(decode_error({8, 0, 0}) == ErrorCode::malformed);                     // empty redirect
  auto short_ticket = std::vector<std::uint8_t>{5};
  short_ticket.resize(1 + p::kRelayTicketBytes - 1, 7);
  CHECK(decode_error(short_ticket) == ErrorCode::truncated);
  CHECK(decode_error(std::vector<std::uint8_t>(p::kMaxRelayMessage + 1, 9)) == ErrorCode::oversized);
}

TEST_CASE("a frame's length prefix is checked before anything is read") {
  CHECK(p::relay_body_length(0, 0).error().code == ErrorCode::malformed);
  CHECK(p::relay_body_length(0x02, 0x01).error().code == ErrorCode::oversized);  // 513
  CHECK(*p::relay_body_length(0x02, 0x00) == 512);
  CHECK(*p::relay_body_length(0, 1) == 1);
}

TEST_CASE("every refusal has words for people") {
  for (int r = 1; r <= 9; ++r) CHECK(std::string(p::describe(static_cast<p::RelayRefusal>(r))).size() > 10);
  CHECK(std::string(p::describe(p::RelayRefusal::no_such_session)) ==
        "no support session with this code: expired, already used, or mistyped?");
}
