#include "common/probes/run_history.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "common/replace_file.hpp"

namespace elfdesk::probes {
namespace {

std::unexpected<Error> io_error(const std::string& what, const std::filesystem::path& path) {
  return std::unexpected(make_error(ErrorCode::io, what + " " + path.string() + ": " + std::strerror(errno)));
}

std::expected<std::vector<std::string>, Error> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return out;
    return io_error("cannot read", path);
  }
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(std::move(line));
  return out;
}

std::expected<void, Error> write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Keeps the newest lines that fit in `budget` bytes (at least the newest one when it fits in `bound`)
// and writes them in place of the file.
std::expected<void, Error> rewrite_newest(const std::filesystem::path& path, std::vector<std::string> lines,
                                          std::size_t budget, std::size_t bound) {
  std::size_t used = 0, keep = 0;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it, ++keep) {
    const bool fits = used + it->size() + 1 <= (keep == 0 ? bound : budget);
    if (!fits) break;
    used += it->size() + 1;
  }
  std::string text;
  text.reserve(used);
  for (std::size_t i = lines.size() - keep; i < lines.size(); ++i) text += lines[i] + "\n";
  return replace_file(path, text);
}

}  // namespace

std::filesystem::path default_state_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::filesystem::path(state) / "elfdesk";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local" / "state" / "elfdesk";
  return {};
}

std::filesystem::path default_history_path() {
  auto dir = default_state_dir();
  return dir.empty() ? dir : dir / "watch-history.jsonl";
}

std::expected<void, Error> RunHistory::append(const nlohmann::json& run) const {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec)
    return std::unexpected(
        make_error(ErrorCode::io, "cannot create " + path_.parent_path().string() + ": " + ec.message()));
  const std::string line = run.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const auto size = std::filesystem::file_size(path_, ec);
  if (!ec && size + line.size() > max_bytes_) {
    auto lines = read_lines(path_);
    if (!lines) return std::unexpected(lines.error());
    lines->push_back(line.substr(0, line.size() - 1));
    return rewrite_newest(path_, std::move(*lines), max_bytes_ / 2, max_bytes_);
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot open", path_);
  auto written = write_all(fd, line, path_);
  ::close(fd);
  return written;
}

std::expected<std::vector<nlohmann::json>, Error> RunHistory::newest(std::size_t count) const {
  auto lines = read_lines(path_);
  if (!lines) return std::unexpected(lines.error());
  std::vector<nlohmann::json> out;
  const std::size_t start = lines->size() > count ? lines->size() - count : 0;
  for (std::size_t i = start; i < lines->size(); ++i) {
    auto doc = nlohmann::json::parse((*lines)[i], nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace elfdesk::probes
