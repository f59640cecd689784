#include "protocol/byte_reader.hpp"

#include <utility>

namespace elfdesk::protocol {

namespace {

Error truncated(std::size_t wanted, std::size_t left) {
  return make_error(ErrorCode::truncated,
                    "need " + std::to_string(wanted) + " bytes, " + std::to_string(left) + " left");
}

}  // namespace

std::expected<std::uint64_t, Error> ByteReader::big_endian(std::size_t width) {
  if (remaining() < width) return std::unexpected(truncated(width, remaining()));
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value = (value << 8) | input_[position_ + i];
  position_ += width;
  return value;
}

namespace {

// libstdc++ 12 has no std::expected::transform, hence this helper. Unsigned -> signed conversion is
// modular since C++20, which is exactly two's complement decoding.
template <class T> std::expected<T, Error> as(std::expected<std::uint64_t, Error> value) {
  if (!value) return std::unexpected(std::move(value.error()));
  return static_cast<T>(*value);
}

}  // namespace

std::expected<std::uint8_t, Error> ByteReader::u8() { return as<std::uint8_t>(big_endian(1)); }
std::expected<std::uint16_t, Error> ByteReader::u16() { return as<std::uint16_t>(big_endian(2)); }
std::expected<std::uint32_t, Error> ByteReader::u32() { return as<std::uint32_t>(big_endian(4)); }
std::expected<std::uint64_t, Error> ByteReader::u64() { return big_endian(8); }
std::expected<std::int16_t, Error> ByteReader::i16() { return as<std::int16_t>(big_endian(2)); }
std::expected<std::int32_t, Error> ByteReader::i32() { return as<std::int32_t>(big_endian(4)); }
std::expected<std::int64_t, Error> ByteReader::i64() { return as<std::int64_t>(big_endian(8)); }

std::expected<bool, Error> ByteReader::boolean() {
  auto byte = u8();
  if (!byte) return std::unexpected(byte.error());
  if (*byte > 1) {
    return std::unexpected(make_error(ErrorCode::malformed, "bool byte " + std::to_string(*byte) + " is not 0 or 1"));
  }
  return *byte == 1;
}

std::expected<std::size_t, Error> ByteReader::checked_length(std::size_t length, std::size_t max_bytes,
                                                             const char* what) {
  if (length > max_bytes) {
    return std::unexpected(make_error(ErrorCode::oversized, std::string(what) + " length " + std::to_string(length) +
                                                                " exceeds limit " + std::to_string(max_bytes)));
  }
  if (length > remaining()) return std::unexpected(truncated(length, remaining()));
  return length;
}

std::expected<std::string, Error> ByteReader::string(std::size_t max_bytes) {
  auto prefix = u16();
  if (!prefix) return std::unexpected(std::move(prefix.error()));
  auto length = checked_length(*prefix, max_bytes, "string");
  if (!length) return std::unexpected(length.error());
  auto view = input_.subspan(position_, *length);
  position_ += *length;
  return std::string(view.begin(), view.end());
}

std::expected<std::vector<std::uint8_t>, Error> ByteReader::blob(std::size_t max_bytes) {
  auto prefix = u32();
  if (!prefix) return std::unexpected(std::move(prefix.error()));
  auto length = checked_length(*prefix, max_bytes, "blob");
  if (!length) return std::unexpected(length.error());
  auto view = input_.subspan(position_, *length);
  position_ += *length;
  return std::vector<std::uint8_t>(view.begin(), view.end());
}

std::expected<std::span<const std::uint8_t>, Error> ByteReader::bytes(std::size_t count) {
  if (count > remaining()) return std::unexpected(truncated(count, remaining()));
  auto view = input_.subspan(position_, count);
  position_ += count;
  return view;
}

std::expected<void, Error> ByteReader::expect_end() const {
  if (remaining() == 0) return {};
  return std::unexpected(
      make_error(ErrorCode::malformed, std::to_string(remaining()) + " trailing bytes after the last field"));
}

}  // namespace elfdesk::protocol
