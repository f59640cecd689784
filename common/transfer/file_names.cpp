#include "common/transfer/file_names.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace elfdesk::transfer {
namespace {
constexpr std::size_t kMaxNameBytes = 200;
constexpr int kMaxNumber = 9999;

// Where the extension starts ("a.tar.zst" -> ".zst"); npos without one (a leading dot is no extension).
std::size_t extension_at(std::string_view name) {
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view::npos : dot;
}
}  // namespace

std::string safe_file_name(std::string_view name) {
  const auto slash = name.find_last_of('/');
  std::string out(slash == std::string_view::npos ? name : name.substr(slash + 1));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  if (out.empty() || out == "." || out == "..") return "download";
  if (out.size() > kMaxNameBytes) {
    const auto ext = extension_at(out);
    const std::string tail = ext != std::string::npos && out.size() - ext <= 16 ? out.substr(ext) : "";
    std::size_t keep = kMaxNameBytes - tail.size();
    while (keep > 0 && (static_cast<unsigned char>(out[keep]) & 0xC0) == 0x80) --keep;  // whole UTF-8 characters
    out = out.substr(0, keep) + tail;
  }
  return out;
}

std::string numbered_name(std::string_view name, int n) {
  if (n == 0) return std::string(name);
  const auto ext = extension_at(name);
  const std::string number = " (" + std::to_string(n) + ")";
  if (ext == std::string_view::npos) return std::string(name) + number;
  return std::string(name.substr(0, ext)) + number + std::string(name.substr(ext));
}

std::expected<CreatedFile, Error> create_unique_file(const std::string& directory, std::string_view name) {
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return std::unexpected(make_error(ErrorCode::io, "cannot open the folder " + directory + ": " + std::strerror(errno)));
  for (int n = 0; n <= kMaxNumber; ++n) {
    const std::string candidate = numbered_name(name, n);
    const int fd = ::openat(dir, candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(dir);
      return CreatedFile{fd, directory + "/" + candidate};
    }
    if (errno != EEXIST) {
      const int saved = errno;
      ::close(dir);
      return std::unexpected(make_error(ErrorCode::io, "cannot create " + candidate + " in " + directory + ": " +
                                                           std::strerror(saved)));
    }
  }
  ::close(dir);
  return std::unexpected(make_error(ErrorCode::io, "no free name for " + std::string(name) + " in " + directory));
}

}  // namespace elfdesk::transfer
