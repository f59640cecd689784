// Small read-only helpers shared by the probe families: bounded file reads, tokenising, number
// parsing and rounding. Internal to elfdesk_probes; stateless, any thread.
#pragma once
#include <charconv>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::probes::util {

inline constexpr std::size_t kMaxFileBytes = 4u << 20;  // /proc files are small; fixtures smaller

// Reads a whole (pseudo) file; /proc files report size 0, so this reads until EOF, up to kMaxFileBytes.
std::expected<std::string, Error> read_text(const std::filesystem::path& path);
// First line without the newline, or nullopt when the file cannot be read.
std::optional<std::string> read_line(const std::filesystem::path& path);

std::string_view trim(std::string_view text);
std::vector<std::string_view> split_ws(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
std::vector<std::string_view> lines(std::string_view text);
// The views point into the argument: splitting a temporary string would dangle.
std::vector<std::string_view> split_ws(std::string&&) = delete;
std::vector<std::string_view> split(std::string&&, char) = delete;
std::vector<std::string_view> lines(std::string&&) = delete;

template <class T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
  text = trim(text);
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}
std::optional<double> parse_double(std::string_view text);

// "MemTotal:  16309876 kB" style files: value of `key` in bytes (kB multiplied), or nullopt.
std::optional<std::uint64_t> meminfo_bytes(std::string_view meminfo, std::string_view key);

double round_to(double value, int decimals);
double percent(double part, double whole);  // 0 when whole is 0
// "12.3 GiB"-style, for reasons a human reads.
std::string human_bytes(std::uint64_t bytes);

}  // namespace elfdesk::probes::util
