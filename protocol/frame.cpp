#include "protocol/frame.hpp"

#include <algorithm>
#include <string>

#include "protocol/byte_reader.hpp"
#include "protocol/byte_writer.hpp"
#include "protocol/codec.hpp"

namespace elfdesk::protocol {

namespace {

Error too_long(std::uint16_t type, std::size_t length, std::size_t cap) {
  return make_error(ErrorCode::oversized, "frame of type " + std::to_string(type) + " claims " +
                                              std::to_string(length) + " payload bytes, limit " +
                                              std::to_string(cap));
}

}  // namespace

std::expected<void, Error> write_frame(std::vector<std::uint8_t>& out, std::uint16_t type,
                                       std::span<const std::uint8_t> payload) {
  const std::size_t cap = std::min(limits::kMaxFramePayload, max_payload_for(type));
  if (payload.size() > cap) return std::unexpected(too_long(type, payload.size(), cap));
  out.reserve(out.size() + limits::kFrameHeaderSize + payload.size());
  ByteWriter writer(out);
  writer.u16(type);
  writer.u8(0);  // flags
  writer.u8(0);  // reserved
  writer.u32(static_cast<std::uint32_t>(payload.size()));
  writer.raw(payload);
  return {};
}

std::expected<FrameHeader, Error> parse_frame_header(std::span<const std::uint8_t, limits::kFrameHeaderSize> bytes,
                                                     std::size_t max_payload) {
  // The span has a static extent of 8, so none of these reads can fail.
  ByteReader reader(bytes);
  FrameHeader header;
  header.type = reader.u16().value_or(0);
  header.flags = reader.u8().value_or(0);
  const std::uint8_t reserved = reader.u8().value_or(0);
  header.length = reader.u32().value_or(0);
  if (header.flags != 0) {
    return std::unexpected(make_error(ErrorCode::malformed, "frame flags " + std::to_string(header.flags) +
                                                                " must be 0 in protocol version 1"));
  }
  if (reserved != 0) {
    return std::unexpected(make_error(ErrorCode::malformed, "frame reserved byte " + std::to_string(reserved) +
                                                                " must be 0"));
  }
  if (header.length > max_payload) return std::unexpected(too_long(header.type, header.length, max_payload));
  return header;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  if (error_ || bytes.empty()) return;
  // Compact only once the consumed prefix is at least as large as what is left: every byte is then
  // moved at most once per byte consumed before it, which keeps feeding linear overall.
  if (consumed_ > 0 && consumed_ >= buffer_.size() - consumed_) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::expected<std::optional<Frame>, Error> FrameDecoder::next() {
  if (error_) return std::unexpected(*error_);
  if (buffered() < limits::kFrameHeaderSize) return std::nullopt;
  const auto* start = buffer_.data() + consumed_;
  auto header = parse_frame_header(std::span<const std::uint8_t, limits::kFrameHeaderSize>(start, limits::kFrameHeaderSize),
                                   max_payload_);
  if (header && policy_ == CapPolicy::per_type && header->length > max_payload_for(header->type)) {
    header = std::unexpected(too_long(header->type, header->length, max_payload_for(header->type)));
  }
  if (!header) {
    error_ = header.error();
    buffer_ = {};  // release the memory: the stream is dead
    consumed_ = 0;
    return std::unexpected(*error_);
  }
  if (buffered() - limits::kFrameHeaderSize < header->length) return std::nullopt;
  const auto* payload = start + limits::kFrameHeaderSize;
  Frame frame{header->type, header->flags, std::vector<std::uint8_t>(payload, payload + header->length)};
  consumed_ += limits::kFrameHeaderSize + header->length;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();  // keeps the capacity for the next frame
    consumed_ = 0;
  }
  return frame;
}

}  // namespace elfdesk::protocol
