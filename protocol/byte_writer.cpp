#include "protocol/byte_writer.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace elfdesk::protocol {

namespace {

Error too_long(const char* what, std::size_t size, std::size_t cap) {
  return make_error(ErrorCode::oversized,
                    std::string(what) + " of " + std::to_string(size) + " bytes exceeds limit " + std::to_string(cap));
}

}  // namespace

void ByteWriter::u16(std::uint16_t value) {
  out_->push_back(static_cast<std::uint8_t>(value >> 8));
  out_->push_back(static_cast<std::uint8_t>(value));
}

void ByteWriter::u32(std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out_->push_back(static_cast<std::uint8_t>(value >> shift));
}

void ByteWriter::u64(std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out_->push_back(static_cast<std::uint8_t>(value >> shift));
}

std::expected<void, Error> ByteWriter::string(std::string_view text, std::size_t max_bytes) {
  const std::size_t cap = std::min<std::size_t>(max_bytes, std::numeric_limits<std::uint16_t>::max());
  if (text.size() > cap) return std::unexpected(too_long("string", text.size(), cap));
  u16(static_cast<std::uint16_t>(text.size()));
  out_->insert(out_->end(), text.begin(), text.end());
  return {};
}

std::expected<void, Error> ByteWriter::blob(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  const std::size_t cap = std::min<std::size_t>(max_bytes, std::numeric_limits<std::uint32_t>::max());
  if (bytes.size() > cap) return std::unexpected(too_long("blob", bytes.size(), cap));
  u32(static_cast<std::uint32_t>(bytes.size()));
  raw(bytes);
  return {};
}

}  // namespace elfdesk::protocol
