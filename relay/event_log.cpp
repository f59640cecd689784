#include "relay/event_log.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <utility>

#include <fmt/format.h>

namespace elfdesk::relay {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms);
}

}  // namespace

std::expected<EventLog, Error> EventLog::open(const std::string& path) {
  if (path.empty() || path == "-") return EventLog(STDOUT_FILENO, false);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(make_error(ErrorCode::io, "cannot open log " + path + ": " + std::strerror(errno)));
  return EventLog(fd, true);
}

EventLog::EventLog(int fd, bool owned) : fd_(fd), owned_(owned) {
  // Without a random salt the hashes could be matched against all 10^6 ids: then no id is logged.
  salted_ = RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) == 1;
}

EventLog::EventLog(EventLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), owned_(std::exchange(other.owned_, false)), salt_(other.salt_), salted_(other.salted_) {}

EventLog::~EventLog() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

std::string EventLog::hash_id(const std::string& id) const {
  if (!salted_) return "unhashed";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, salt_.data(), salt_.size()) == 1 &&
                  EVP_DigestUpdate(ctx, id.data(), id.size()) == 1 && EVP_DigestFinal_ex(ctx, digest.data(), &size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return "unhashed";
  std::string out;
  for (unsigned int i = 0; i < 8; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

void EventLog::write(const std::string& event, nlohmann::json fields) {
  if (fd_ < 0) return;
  nlohmann::json line = {{"ts", utc_now()}, {"event", event}};
  line.update(fields);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write per line (O_APPEND): lines never interleave; a full disk loses lines, never the relay.
  const ssize_t ignored = ::write(fd_, text.data(), text.size());
  (void)ignored;
}

}  // namespace elfdesk::relay
