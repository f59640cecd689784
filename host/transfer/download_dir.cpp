#include "host/transfer/download_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace elfdesk::host {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// XDG_DOWNLOAD_DIR="$HOME/Downloads" from user-dirs.dirs (the format xdg-user-dirs writes).
std::string xdg_download_dir(const std::string& home) {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  const std::string file = (config && config[0] == '/' ? std::string(config) : home + "/.config") + "/user-dirs.dirs";
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    constexpr std::string_view kKey = "XDG_DOWNLOAD_DIR=\"";
    if (!line.starts_with(kKey) || line.back() != '"') continue;
    std::string value = line.substr(kKey.size(), line.size() - kKey.size() - 1);
    if (value.starts_with("$HOME")) value = home + value.substr(5);
    if (value.starts_with('/') && value != home) return value;  // "$HOME" alone means "not set"
  }
  return {};
}

}  // namespace

std::expected<std::string, Error> download_directory(const std::string& configured) {
  if (!configured.empty()) {
    if (is_directory(configured)) return configured;
    return std::unexpected(make_error(ErrorCode::io, "the download folder " + configured + " does not exist"));
  }
  const char* home = std::getenv("HOME");
  if (!home || home[0] != '/') return std::unexpected(make_error(ErrorCode::io, "no home folder ($HOME) to save files in"));
  if (const std::string xdg = xdg_download_dir(home); !xdg.empty() && is_directory(xdg)) return xdg;
  const std::string fallback = std::string(home) + "/Downloads";
  if (::mkdir(fallback.c_str(), 0755) != 0 && errno != EEXIST)
    return std::unexpected(make_error(ErrorCode::io, "cannot create " + fallback + ": " + std::strerror(errno)));
  if (!is_directory(fallback)) return std::unexpected(make_error(ErrorCode::io, fallback + " is not a folder"));
  return fallback;
}

}  // namespace elfdesk::host
