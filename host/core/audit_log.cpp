#include "host/core/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <vector>

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

std::string address_part(const std::string& peer) {
  // "1.2.3.4:5678", "[::1]:5678", or a bare address ("1.2.3.4", "::1").
  if (!peer.empty() && peer.front() == '[') return peer.substr(1, peer.find(']') - 1);
  if (std::count(peer.begin(), peer.end(), ':') != 1) return peer;
  return peer.substr(0, peer.rfind(':'));
}

// A reason without its variable parts ("TLS handshake with 127.0.0.2:41234 failed" -> "... with
// N.N.N.N:N failed"), so a summary groups refusals by kind instead of listing every port.
std::string reason_kind(const std::string& reason) {
  std::string kind;
  for (const char c : reason.substr(0, 80)) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit) kind += c;
    else if (kind.empty() || kind.back() != 'N') kind += 'N';
  }
  return kind;
}

constexpr std::size_t kMaxKindsPerAddress = 8;  // further kinds are counted as "other"

const SteadyClock kSteadyClock;
constexpr std::size_t kMaxTrackedAddresses = 4096;  // per interval; further ones only count in `others`

}  // namespace

// Counts pre-authentication records per interval. Guarded by AuditLog::mutex_.
struct AuditLog::Throttle {
  Limits limits;
  const Clock* clock;
  std::uint64_t file_size = 0;
  std::chrono::steady_clock::time_point interval_start;
  int written = 0;
  std::map<std::string, int> written_by_address;
  std::map<std::string, std::map<std::string, int>> suppressed;  // address -> event -> count
  int suppressed_total = 0;
  int suppressed_others = 0;  // from addresses beyond kMaxTrackedAddresses

  bool admit(const std::string& address) {
    if (file_size >= limits.pre_auth_cap_bytes || written >= limits.total) return false;
    int& mine = written_by_address[address];
    if (mine >= limits.per_address) return false;
    ++mine;
    ++written;
    return true;
  }
  void suppress(const std::string& address, std::string_view event) {
    ++suppressed_total;
    if (suppressed.size() >= kMaxTrackedAddresses && !suppressed.contains(address)) {
      ++suppressed_others;
      return;
    }
    auto& kinds = suppressed[address];
    const std::string key(event);
    ++kinds[kinds.size() >= kMaxKindsPerAddress && !kinds.contains(key) ? std::string("other") : key];
  }
  // The summary of the interval, or null when nothing was suppressed; resets the interval.
  nlohmann::json take_summary() {
    nlohmann::json summary;
    if (suppressed_total > 0) {
      std::vector<std::pair<int, std::string>> by_count;
      for (const auto& [address, events] : suppressed) {
        int n = 0;
        for (const auto& [event, count] : events) n += count;
        by_count.emplace_back(n, address);
      }
      std::sort(by_count.rbegin(), by_count.rend());
      nlohmann::json peers = nlohmann::json::array();
      int named = 0;
      for (std::size_t i = 0; i < std::min(by_count.size(), limits.summary_addresses); ++i) {
        peers.push_back({{"address", by_count[i].second}, {"count", by_count[i].first},
                         {"events", suppressed[by_count[i].second]}});
        named += by_count[i].first;
      }
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock->now() - interval_start);
      summary = {{"interval_s", seconds.count()}, {"suppressed", suppressed_total}, {"peers", peers},
                 {"other_addresses_count", suppressed_total - named}};
    }
    interval_start = clock->now();
    written = 0;
    written_by_address.clear();
    suppressed.clear();
    suppressed_total = suppressed_others = 0;
    return summary;
  }
};

AuditLog::AuditLog() = default;

std::expected<AuditLog, Error> AuditLog::open(const std::string& path) { return open(path, Limits{}, nullptr); }
AuditLog::AuditLog(AuditLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), throttle_(std::move(other.throttle_)) {}

std::expected<AuditLog, Error> AuditLog::open(const std::string& path, Limits limits, const Clock* clock) {
  AuditLog log;
  log.path_ = path;
  log.throttle_ = std::make_unique<Throttle>(Throttle{limits, clock ? clock : &kSteadyClock});
  log.throttle_->interval_start = log.throttle_->clock->now();
  if (path.empty()) return log;
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  // Only a directory we create is made private: --audit-log /tmp/x.jsonl must not chmod /tmp.
  if (!parent.empty() && std::filesystem::create_directories(parent, ec)) ::chmod(parent.c_str(), 0700);
  // O_NOFOLLOW: a symlink planted where the log goes is refused, not followed to another user's file;
  // O_NONBLOCK keeps a planted FIFO from blocking the open, and fstat refuses anything but a file.
  const auto fail = [&](const std::string& why) {
    return std::unexpected(make_error(ErrorCode::io, "cannot open audit log " + path + ": " + why));
  };
  log.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (log.fd_ < 0) return fail(errno == ELOOP ? "it is a symbolic link" : std::strerror(errno));
  struct stat st {};
  if (::fstat(log.fd_, &st) != 0 || !S_ISREG(st.st_mode)) return fail("not a regular file");
  ::fchmod(log.fd_, 0600);  // an existing file keeps no wider permissions than ours
  log.throttle_->file_size = static_cast<std::uint64_t>(st.st_size);
  return log;
}

AuditLog::~AuditLog() {
  if (fd_ < 0) return;
  flush_summary(true);
  ::close(fd_);
}

void AuditLog::write_line(std::string_view event, nlohmann::json fields) {
  nlohmann::json line = {{"time", iso8601_utc_now()}, {"event", event}};
  if (fields.is_object()) line.update(fields);
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write(2) per record with O_APPEND: lines from concurrent writers never interleave.
  const auto written = ::write(fd_, text.data(), text.size());
  if (written > 0) throttle_->file_size += static_cast<std::uint64_t>(written);
}

void AuditLog::record(std::string_view event, nlohmann::json fields) {
  if (fd_ < 0) return;
  const std::lock_guard lock(mutex_);
  write_line(event, std::move(fields));
}

void AuditLog::record_pre_auth(std::string_view event, nlohmann::json fields) {
  if (fd_ < 0) return;
  flush_summary();
  const std::string address = address_part(fields.value("peer", std::string("unknown")));
  const std::lock_guard lock(mutex_);
  if (throttle_->admit(address)) {
    write_line(event, std::move(fields));
    return;
  }
  std::string key(event);
  if (fields.contains("reason") && fields["reason"].is_string()) key += ": " + reason_kind(fields["reason"]);
  throttle_->suppress(address, key);
}

void AuditLog::flush_summary(bool force) {
  if (fd_ < 0) return;
  const std::lock_guard lock(mutex_);
  if (!force && throttle_->clock->now() - throttle_->interval_start < throttle_->limits.interval) return;
  if (auto summary = throttle_->take_summary(); !summary.is_null()) write_line("refusals_summary", std::move(summary));
}

std::string AuditLog::default_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/elfdesk/audit.jsonl";
  // No fallback to a shared directory such as /tmp: another user could plant the log there.
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.local/state/elfdesk/audit.jsonl" : std::string();
}

}  // namespace elfdesk::host
