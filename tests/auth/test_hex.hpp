// Hex helpers for the auth tests (test vectors are printed in hex). Pure functions.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace elfdesk::auth::test {

std::vector<std::uint8_t> unhex(std::string_view hex);
std::string hex(std::span<const std::uint8_t> bytes);
std::vector<std::uint8_t> bytes(std::string_view text);

}  // namespace elfdesk::auth::test
