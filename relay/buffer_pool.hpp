// The splice's byte buffers: taken only while bytes are in flight and given back when a direction
// waits for more, so an idle spliced pair holds none (docs/relay.md: memory per session). Network
// thread only; one pool per server.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace elfdesk::relay {

// One TLS record's plaintext: each read drains a whole record, so OpenSSL can release its read
// buffer between records (docs/relay.md: memory per session).
inline constexpr std::size_t kSpliceBuffer = 16 * 1024;

// Keeps at most kMaxFree spare buffers (4 MiB).
class BufferPool {
 public:
  static constexpr std::size_t kMaxFree = 256;
  std::unique_ptr<std::uint8_t[]> take();
  void give(std::unique_ptr<std::uint8_t[]> buffer);

 private:
  std::vector<std::unique_ptr<std::uint8_t[]>> free_;
};

}  // namespace elfdesk::relay
