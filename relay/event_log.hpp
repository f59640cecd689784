// The relay's JSON-lines log of registrations, joins and sessions: one object per line, ids hashed with
// a salt made at start (so lines of one run can be matched, but an id cannot be recovered or matched
// across runs), never a code's secret half (the relay never sees it) nor a spliced byte.
// Network thread only; owns its file descriptor (stdout when no file is given).
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::relay {

class EventLog {
 public:
  // "" or "-": standard output (systemd's journal). Otherwise the file, appended to.
  static std::expected<EventLog, Error> open(const std::string& path);
  EventLog(EventLog&& other) noexcept;
  EventLog& operator=(EventLog&&) = delete;
  ~EventLog();

  // Writes {"ts": ..., "event": event, ...fields}; one write() per line.
  void write(const std::string& event, nlohmann::json fields);
  // 16 hex digits of SHA-256(salt || id).
  std::string hash_id(const std::string& id) const;

 private:
  EventLog(int fd, bool owned);
  int fd_;
  bool owned_;
  std::array<std::uint8_t, 16> salt_{};
  bool salted_ = false;
};

}  // namespace elfdesk::relay
