// ByteReader/ByteWriter primitives and the strict UTF-8 validator.
#include <doctest/doctest.h>

#include <string>

#include "protocol/byte_reader.hpp"
#include "protocol/byte_writer.hpp"
#include "protocol/utf8.hpp"

namespace p = elfdesk::protocol;
using elfdesk::ErrorCode;
using Bytes = std::vector<std::uint8_t>;

TEST_CASE("integers are big-endian and signed values are two's complement") {
  Bytes out;
  p::ByteWriter w(out);
  w.u8(0xAB);
  w.u16(0x1234);
  w.u32(0x89ABCDEF);
  w.u64(0x0102030405060708ull);
  w.i16(-2);
  w.i32(-2147483647 - 1);
  w.i64(-1);
  w.boolean(true);
  CHECK(out == Bytes{0xAB, 0x12, 0x34, 0x89, 0xAB, 0xCD, 0xEF, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xFE, 0x80, 0, 0, 0,
                     0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1});
  p::ByteReader r(out);
  CHECK(r.u8().value() == 0xAB);
  CHECK(r.u16().value() == 0x1234);
  CHECK(r.u32().value() == 0x89ABCDEF);
  CHECK(r.u64().value() == 0x0102030405060708ull);
  CHECK(r.i16().value() == -2);
  CHECK(r.i32().value() == -2147483647 - 1);
  CHECK(r.i64().value() == -1);
  CHECK(r.boolean().value() == true);
  CHECK(r.remaining() == 0);
  CHECK(r.expect_end().has_value());
  CHECK(r.u8().error().code == ErrorCode::truncated);
}

TEST_CASE("reads past the end are truncated and leave the position unchanged") {
  const Bytes three{1, 2, 3};
  p::ByteReader r(three);
  CHECK(r.u32().error().code == ErrorCode::truncated);
  CHECK(r.position() == 0);
  CHECK(r.bytes(4).error().code == ErrorCode::truncated);
  CHECK(r.bytes(3).value().size() == 3);
  CHECK(r.u64().error().code == ErrorCode::truncated);
}

TEST_CASE("bools other than 0 and 1 are malformed") {
  const Bytes bytes{0, 1, 2};
  p::ByteReader r(bytes);
  CHECK(r.boolean().value() == false);
  CHECK(r.boolean().value() == true);
  CHECK(r.boolean().error().code == ErrorCode::malformed);
}

TEST_CASE("string and blob lengths are checked against the cap and the input before allocating") {
  Bytes out;
  p::ByteWriter w(out);
  REQUIRE(w.string("héllo", 10).has_value());
  REQUIRE(w.blob(Bytes{9, 9}, 2).has_value());
  CHECK(w.string("toolong", 3).error().code == ErrorCode::oversized);
  CHECK(w.blob(Bytes(5), 4).error().code == ErrorCode::oversized);
  CHECK(w.string(std::string(70000, 'x'), 100000).error().code == ErrorCode::oversized);  // u16 prefix
  p::ByteReader r(out);
  CHECK(r.string(10).value() == "héllo");
  CHECK(r.blob(2).value() == Bytes{9, 9});
  CHECK(r.expect_end().has_value());

  p::ByteReader capped(out);
  CHECK(capped.string(5).error().code == ErrorCode::oversized);  // 6 bytes of UTF-8 > 5
  // A 4 GiB blob claim in a 6-byte input: oversized by the cap, truncated by the input.
  const Bytes claim{0xFF, 0xFF, 0xFF, 0xFF, 1, 2};
  CHECK(p::ByteReader(claim).blob(100).error().code == ErrorCode::oversized);
  CHECK(p::ByteReader(claim).blob(0xFFFFFFFF).error().code == ErrorCode::truncated);
  const Bytes short_string{0, 5, 'a', 'b'};
  CHECK(p::ByteReader(short_string).string(10).error().code == ErrorCode::truncated);
  CHECK(p::ByteReader(short_string).expect_end().error().code == ErrorCode::malformed);
}

TEST_CASE("UTF-8 validation is strict") {
  CHECK(p::is_valid_utf8(""));
  CHECK(p::is_valid_utf8("plain ascii"));
  CHECK(p::is_valid_utf8("Grüße 日本 🙂"));
  CHECK(p::is_valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  CHECK(p::is_valid_utf8("\xEF\xBF\xBD"));          // U+FFFD
  CHECK_FALSE(p::is_valid_utf8("\x80"));            // lone continuation
  CHECK_FALSE(p::is_valid_utf8("\xC0\x80"));        // overlong NUL
  CHECK_FALSE(p::is_valid_utf8("\xE0\x80\xAF"));    // overlong '/'
  CHECK_FALSE(p::is_valid_utf8("\xF0\x80\x80\xAF"));
  CHECK_FALSE(p::is_valid_utf8("\xED\xA0\x80"));    // surrogate U+D800
  CHECK_FALSE(p::is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
  CHECK_FALSE(p::is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(p::is_valid_utf8("abc\xE2\x82"));     // truncated sequence
  CHECK_FALSE(p::is_valid_utf8("\xE2\x28\xA1"));    // bad continuation
  CHECK_FALSE(p::is_valid_utf8("\xFF"));
}
