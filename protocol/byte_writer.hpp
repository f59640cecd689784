// Appends big-endian integers, 0/1 bools, u16-length strings and u32-length blobs to a caller-owned
// byte vector. Length-prefixed fields are checked against a caller-given cap so a writer never emits
// what a reader would refuse. Single-threaded; the vector must outlive the writer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::protocol {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(&out) {}

  void u8(std::uint8_t value) { out_->push_back(value); }
  void u16(std::uint16_t value);
  void u32(std::uint32_t value);
  void u64(std::uint64_t value);
  void i16(std::int16_t value) { u16(static_cast<std::uint16_t>(value)); }
  void i32(std::int32_t value) { u32(static_cast<std::uint32_t>(value)); }
  void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
  void boolean(bool value) { u8(value ? 1 : 0); }
  void raw(std::span<const std::uint8_t> bytes) { out_->insert(out_->end(), bytes.begin(), bytes.end()); }

  // u16 length + bytes. oversized when longer than max_bytes or 65535.
  std::expected<void, Error> string(std::string_view text, std::size_t max_bytes);
  // u32 length + bytes. oversized when longer than max_bytes or 2^32-1.
  std::expected<void, Error> blob(std::span<const std::uint8_t> bytes, std::size_t max_bytes);

  std::size_t size() const { return out_->size(); }

 private:
  std::vector<std::uint8_t>* out_;
};

}  // namespace elfdesk::protocol
