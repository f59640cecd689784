#include "bench/relay/load_payload.hpp"

#include <cstring>

namespace elfdesk::bench {
namespace {

std::uint8_t filler(std::uint32_t seq, std::size_t index) {
  return static_cast<std::uint8_t>(seq * 131u + static_cast<std::uint32_t>(index) * 7u);
}

void put(std::span<std::uint8_t> out, std::size_t at, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * (bytes - 1 - i)));
}

std::uint64_t get(std::span<const std::uint8_t> in, std::size_t at, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value = (value << 8) | in[at + i];
  return value;
}

}  // namespace

void fill_payload(std::span<std::uint8_t> out, const PayloadStamp& stamp) {
  put(out, 0, out.size(), 2);
  put(out, 2, 0, 2);
  put(out, 4, stamp.seq, 4);
  put(out, 8, static_cast<std::uint64_t>(stamp.due_ns), 8);
  put(out, 16, static_cast<std::uint64_t>(stamp.sent_ns), 8);
  for (std::size_t i = kPayloadHeader; i < out.size(); ++i) out[i] = filler(stamp.seq, i);
}

bool PayloadParser::check(std::span<const std::uint8_t> message) {
  if (get(message, 0, 2) != size_ || get(message, 2, 2) != 0) return false;
  const auto seq = static_cast<std::uint32_t>(get(message, 4, 4));
  if (seq != next_seq_) return false;
  for (std::size_t i = kPayloadHeader; i < message.size(); ++i)
    if (message[i] != filler(seq, i)) return false;
  ++next_seq_;
  return true;
}

PayloadStamp PayloadParser::stamp(std::span<const std::uint8_t> message) {
  return PayloadStamp{static_cast<std::uint32_t>(get(message, 4, 4)), static_cast<std::int64_t>(get(message, 8, 8)),
                      static_cast<std::int64_t>(get(message, 16, 8))};
}

}  // namespace elfdesk::bench
