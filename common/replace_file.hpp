// One way to put a whole file in place: written beside it under a unique name, then renamed over it,
// so a reader (a script watching a directory, a second viewer, a crash mid-write) sees the old file or
// the new one, never half of one.
#pragma once

#include <expected>
#include <filesystem>
#include <string_view>

#include "protocol/error.hpp"

namespace elfdesk {

// Created 0600 (reports, codes and state are the user's alone); a symlink planted at the temporary
// name is not followed. On failure the old file is untouched and no temporary is left behind.
std::expected<void, Error> replace_file(const std::filesystem::path& path, std::string_view contents);

}  // namespace elfdesk
