#include "host/core/code_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/log.hpp"

namespace elfdesk::host {

void write_code_file(const std::string& path, const std::string& formatted) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  // No following a planted symlink, and an existing file is narrowed to 0600 before the code goes in.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    log::error("cannot write code file {}: {}", path, std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return;
  }
  const std::string line = formatted + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) log::error("cannot write code file {}", path);
}

}  // namespace elfdesk::host
