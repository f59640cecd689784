// Where files the engineer sends land on the customer's machine: --download-dir, else the XDG download
// directory (XDG_DOWNLOAD_DIR in user-dirs.dirs), else ~/Downloads (created if missing). Any thread.
#pragma once
#include <expected>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::host {

std::expected<std::string, Error> download_directory(const std::string& configured);

}  // namespace elfdesk::host
