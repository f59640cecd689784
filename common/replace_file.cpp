#include "common/replace_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace elfdesk {
namespace {

std::unexpected<Error> io_error(const std::string& what, const std::filesystem::path& path, int error) {
  return std::unexpected(make_error(ErrorCode::io, what + " " + path.string() + ": " + std::strerror(error)));
}

// Unique per process and per call: two threads or two programs replacing one file never share it.
std::string temporary_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

std::expected<void, Error> replace_file(const std::filesystem::path& path, std::string_view contents) {
  const std::string temporary = temporary_name(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot write", temporary, errno);
  std::size_t done = 0;
  int error = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temporary.c_str(), path.c_str()) == 0) return {};
  if (error == 0) error = errno;
  ::unlink(temporary.c_str());
  return io_error("cannot replace", path, error);
}

}  // namespace elfdesk
