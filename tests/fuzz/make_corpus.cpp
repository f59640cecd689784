// Writes the seed corpus of fuzz_protocol (tests/fuzz/corpus): one payload-mode seed per message type,
// stream-mode seeds with every sample frame, and a few broken streams. Usage: fuzz_make_corpus DIR.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/codec.hpp"
#include "tests/protocol/sample_messages.hpp"

namespace p = elfdesk::protocol;

namespace {

bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::string two_digits(std::size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  std::vector<std::uint8_t> stream{0x00};  // stream mode, 1-byte chunks
  for (const auto& message : p::testing::sample_messages()) {
    const auto type = static_cast<std::uint16_t>(p::type_of(message));
    auto payload = p::encode_payload(message);
    auto frame = p::encode_frame(message);
    if (!payload || !frame) return 1;
    std::vector<std::uint8_t> seed{0x01, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type)};
    seed.insert(seed.end(), payload->begin(), payload->end());
    ok &= write(dir + "/payload_" + two_digits(type) + "_" + p::name_of(p::type_of(message)) + ".bin", seed);
    stream.insert(stream.end(), frame->begin(), frame->end());
  }
  ok &= write(dir + "/stream_all_1byte.bin", stream);
  stream[0] = 0xFE;  // the same stream in 128-byte chunks
  ok &= write(dir + "/stream_all_128byte.bin", stream);
  // Broken streams: non-zero flags, a Ping claiming 1 MiB, a valid Ping followed by trailing garbage.
  ok &= write(dir + "/stream_bad_flags.bin", {0x10, 0, 19, 1, 0, 0, 0, 0, 16});
  ok &= write(dir + "/stream_ping_oversized.bin", {0x10, 0, 19, 0, 0, 0, 0x10, 0, 0});
  auto ping = p::encode_frame(p::Ping{7, 8});
  if (!ping) return 1;
  std::vector<std::uint8_t> trailing{0x06};
  trailing.insert(trailing.end(), ping->begin(), ping->end());
  trailing.insert(trailing.end(), {0, 20, 0, 0, 0, 0, 0, 17});
  trailing.insert(trailing.end(), 17, 0xAB);
  ok &= write(dir + "/stream_pong_trailing_byte.bin", trailing);
  return ok ? 0 : 1;
}
