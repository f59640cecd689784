// Bounds-checked big-endian reader over a borrowed byte span. Never reads past the input, never trusts
// a length: every length prefix is checked against a caller-given cap and the remaining input before
// anything is allocated. Single-threaded; the span must outlive the reader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::protocol {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> input) : input_(input) {}

  // All of these fail with ErrorCode::truncated when the input ends inside the field.
  std::expected<std::uint8_t, Error> u8();
  std::expected<std::uint16_t, Error> u16();
  std::expected<std::uint32_t, Error> u32();
  std::expected<std::uint64_t, Error> u64();
  std::expected<std::int16_t, Error> i16();
  std::expected<std::int32_t, Error> i32();
  std::expected<std::int64_t, Error> i64();
  // One byte, 0 or 1; anything else is malformed.
  std::expected<bool, Error> boolean();
  // u16 length then bytes: oversized if length > max_bytes, truncated if length > remaining().
  std::expected<std::string, Error> string(std::size_t max_bytes);
  // u32 length then bytes: oversized if length > max_bytes, truncated if length > remaining().
  std::expected<std::vector<std::uint8_t>, Error> blob(std::size_t max_bytes);
  // A view of the next count bytes (no copy).
  std::expected<std::span<const std::uint8_t>, Error> bytes(std::size_t count);

  std::size_t remaining() const { return input_.size() - position_; }
  std::size_t position() const { return position_; }
  // malformed when bytes are left over.
  std::expected<void, Error> expect_end() const;

 private:
  std::expected<std::uint64_t, Error> big_endian(std::size_t width);
  std::expected<std::size_t, Error> checked_length(std::size_t length, std::size_t max_bytes, const char* what);

  std::span<const std::uint8_t> input_;
  std::size_t position_ = 0;
};

}  // namespace elfdesk::protocol
