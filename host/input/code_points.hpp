// Splits UTF-8 into Unicode code points for typing and validation. Pure function, any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace elfdesk::host {

// Code points of strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF); nullopt if invalid.
inline std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view text) {
  std::vector<std::uint32_t> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    const std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > text.size()) return std::nullopt;
    std::uint32_t cp = len == 1 ? lead : lead & (0x7fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<std::uint8_t>(text[i + k]);
      if ((cont & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cont & 0x3fu);
    }
    constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace elfdesk::host
