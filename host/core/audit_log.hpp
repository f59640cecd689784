// Append-only JSON-lines audit log of everything that happens to the customer's machine: host start,
// codes issued (never the code), connections, authentication, consent, sessions, probes, input counts.
// Thread-safe (one mutex; each record is one write(2) of one line). File mode 0600.
#pragma once
#include <nlohmann/json.hpp>

#include <expected>
#include <mutex>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::host {

class AuditLog {
 public:
  // Opens (creating with mode 0600) for appending. An empty path disables logging.
  static std::expected<AuditLog, Error> open(const std::string& path);
  AuditLog() = default;
  AuditLog(AuditLog&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  AuditLog& operator=(AuditLog&&) = delete;
  ~AuditLog();

  // Writes {"time": ISO-8601 UTC, "event": event, ...fields}.
  void record(std::string_view event, nlohmann::json fields = nlohmann::json::object());
  const std::string& path() const { return path_; }

  // $XDG_STATE_HOME/elfdesk/audit.jsonl, else ~/.local/state/elfdesk/audit.jsonl (directories created 0700).
  static std::string default_path();

 private:
  int fd_ = -1;
  std::string path_;
  std::mutex mutex_;
};

}  // namespace elfdesk::host
