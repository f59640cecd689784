#include "protocol/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace elfdesk::protocol {

namespace {

struct LeadByte {
  std::size_t continuation_count;  // bytes after the lead
  std::uint8_t second_min;         // the allowed range of the second byte excludes overlongs,
  std::uint8_t second_max;         // surrogates (ED A0..BF) and values above U+10FFFF (F4 90..)
};

// Returns false for bytes that can never start a sequence (80..C1, F5..FF).
bool classify(std::uint8_t lead, LeadByte& out) {
  if (lead >= 0xC2 && lead <= 0xDF) out = {1, 0x80, 0xBF};
  else if (lead == 0xE0) out = {2, 0xA0, 0xBF};
  else if (lead == 0xED) out = {2, 0x80, 0x9F};
  else if (lead >= 0xE1 && lead <= 0xEF) out = {2, 0x80, 0xBF};
  else if (lead == 0xF0) out = {3, 0x90, 0xBF};
  else if (lead >= 0xF1 && lead <= 0xF3) out = {3, 0x80, 0xBF};
  else if (lead == 0xF4) out = {3, 0x80, 0x8F};
  else return false;
  return true;
}

bool is_continuation(std::uint8_t byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    LeadByte kind{};
    if (!classify(lead, kind) || text.size() - i <= kind.continuation_count) return false;
    const auto second = static_cast<std::uint8_t>(text[i + 1]);
    if (second < kind.second_min || second > kind.second_max) return false;
    for (std::size_t k = 2; k <= kind.continuation_count; ++k) {
      if (!is_continuation(static_cast<std::uint8_t>(text[i + k]))) return false;
    }
    i += kind.continuation_count + 1;
  }
  return true;
}

}  // namespace elfdesk::protocol
