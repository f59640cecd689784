#include "host/core/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <cstdlib>
#include <filesystem>

namespace elfdesk::host {
namespace {

std::string iso8601_utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

}  // namespace

std::expected<AuditLog, Error> AuditLog::open(const std::string& path) {
  AuditLog log;
  log.path_ = path;
  if (path.empty()) return log;
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  // Only a directory we create is made private: --audit-log /tmp/x.jsonl must not chmod /tmp.
  if (!parent.empty() && std::filesystem::create_directories(parent, ec)) ::chmod(parent.c_str(), 0700);
  log.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log.fd_ < 0)
    return std::unexpected(make_error(ErrorCode::io, "cannot open audit log " + path + ": " + std::strerror(errno)));
  ::fchmod(log.fd_, 0600);  // an existing file keeps no wider permissions than ours
  return log;
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::record(std::string_view event, nlohmann::json fields) {
  if (fd_ < 0) return;
  nlohmann::json line = {{"time", iso8601_utc_now()}, {"event", event}};
  if (fields.is_object()) line.update(fields);
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::lock_guard lock(mutex_);
  // One write(2) per record with O_APPEND: lines from concurrent writers never interleave.
  [[maybe_unused]] const auto written = ::write(fd_, text.data(), text.size());
}

std::string AuditLog::default_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/elfdesk/audit.jsonl";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/elfdesk/audit.jsonl";
}

}  // namespace elfdesk::host
