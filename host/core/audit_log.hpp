// Append-only JSON-lines audit log of everything that happens to the customer's machine: host start,
// codes issued (never the code), connections, authentication, consent, sessions, probes, input counts.
// Thread-safe (one mutex; each record is one write(2) of one line). File mode 0600, never via a symlink.
// Records about strangers before authentication are rate limited and summarised; session records never.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

class AuditLog {
 public:
  // Bounds on what unauthenticated peers can make the host write.
  struct Limits {
    std::chrono::seconds interval{60};       // refusals beyond the limits are summarised per interval
    int per_address = 20;                     // pre-authentication records per address and interval
    int total = 200;                          // pre-authentication records per interval, all addresses
    std::uint64_t pre_auth_cap_bytes = 16u << 20;  // past this file size only summaries (and sessions)
    std::size_t summary_addresses = 16;       // addresses named in one summary; the rest are counted
  };

  // Opens (creating with mode 0600) for appending: a regular file only, never through a symlink. An
  // empty path disables logging. `clock` (default: the real one) must outlive the log.
  static std::expected<AuditLog, Error> open(const std::string& path, Limits limits, const Clock* clock);
  static std::expected<AuditLog, Error> open(const std::string& path);
  AuditLog();
  AuditLog(AuditLog&& other) noexcept;
  AuditLog& operator=(AuditLog&&) = delete;
  ~AuditLog();

  // Writes {"time": ISO-8601 UTC, "event": event, ...fields}. Always written (session records).
  void record(std::string_view event, nlohmann::json fields = nlohmann::json::object());
  // A record about a peer that has not authenticated (fields must hold "peer" as "addr:port"): written
  // while within the limits, otherwise counted into a `refusals_summary` record at the interval's end.
  void record_pre_auth(std::string_view event, nlohmann::json fields);
  // Writes the summary of the interval if it is over (the host calls this every interval, and at exit).
  void flush_summary(bool force = false);
  const std::string& path() const { return path_; }

  // $XDG_STATE_HOME/elfdesk/audit.jsonl, else ~/.local/state/elfdesk/audit.jsonl (directories created
  // 0700); empty when neither variable is set (the caller must then be told where to log).
  static std::string default_path();

  struct Throttle;

 private:
  void write_line(std::string_view event, nlohmann::json fields);  // mutex_ held

  int fd_ = -1;
  std::string path_;
  std::mutex mutex_;
  std::unique_ptr<Throttle> throttle_;
};

}  // namespace elfdesk::host
