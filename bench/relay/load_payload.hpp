// The messages bench/relay streams through a relay: each carries its sequence number and two timestamps
// (when it was due, when its write started) and a filler derived from the sequence number, so the
// receiver checks every byte and measures latency. Pure, any thread; one parser per direction of a pair.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace elfdesk::bench {

inline constexpr std::size_t kPayloadHeader = 24;  // u16 size, u16 zero, u32 seq, i64 due_ns, i64 sent_ns

struct PayloadStamp {
  std::uint32_t seq = 0;
  std::int64_t due_ns = 0;   // the pacing schedule: late writes count against the path (no coordinated omission)
  std::int64_t sent_ns = 0;  // when the write started
};

// Writes one message of out.size() bytes (kPayloadHeader <= size <= 65535).
void fill_payload(std::span<std::uint8_t> out, const PayloadStamp& stamp);

// Splits a byte stream back into messages of one fixed size and verifies each (size, order, filler).
class PayloadParser {
 public:
  explicit PayloadParser(std::size_t message_size) : size_(message_size) {}

  // Calls on_message(stamp) for every complete, intact message. False on the first corrupt or
  // out-of-order one (the stream is then unusable).
  template <class OnMessage>
  bool feed(std::span<const std::uint8_t> bytes, OnMessage&& on_message) {
    if (!partial_.empty()) {
      const std::size_t take = std::min(size_ - partial_.size(), bytes.size());
      partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (partial_.size() < size_) return true;
      if (!check(partial_)) return false;
      on_message(stamp(partial_));
      partial_.clear();
    }
    while (bytes.size() >= size_) {
      const auto message = bytes.first(size_);
      if (!check(message)) return false;
      on_message(stamp(message));
      bytes = bytes.subspan(size_);
    }
    partial_.assign(bytes.begin(), bytes.end());
    return true;
  }

  std::uint32_t received() const { return next_seq_; }

 private:
  bool check(std::span<const std::uint8_t> message);
  static PayloadStamp stamp(std::span<const std::uint8_t> message);

  std::size_t size_;
  std::uint32_t next_seq_ = 0;
  std::vector<std::uint8_t> partial_;
};

}  // namespace elfdesk::bench
