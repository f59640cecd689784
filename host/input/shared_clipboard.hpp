// Role interface of the host end of clipboard sharing: serves text the engineer sent to local applications
// and notices text they copy. Event-driven on one thread (the session's network thread): call process()
// when fd() is readable. Implementations: X11Clipboard.
#pragma once
#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::host {

class SharedClipboard {
 public:
  virtual ~SharedClipboard() = default;
  // A file descriptor that becomes readable when process() has work.
  virtual int fd() const = 0;
  // Serves `utf8` as the clipboard's text until a local application copies something else. Text over
  // limits::kMaxClipboardBytes is refused (invalid_argument); so is invalid UTF-8. Handles what it finds
  // queued on the way, like process(): afterwards fd() again shows all pending work (take_local_text()
  // may have text).
  virtual std::expected<void, Error> set_text(std::string utf8) = 0;
  // Handles everything pending; blocks up to `wait` for the first event when none is queued. Fails
  // (unavailable, for good) when the desktop went away.
  virtual std::expected<void, Error> process(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) = 0;
  // Text a local application copied since the last call (the newest only), complete and valid UTF-8.
  virtual std::optional<std::string> take_local_text() = 0;
  // Local copies dropped for size or encoding (for the audit log).
  virtual std::size_t dropped_count() const = 0;
};

}  // namespace elfdesk::host
