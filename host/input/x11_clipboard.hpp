// X11Clipboard: the host end of clipboard sharing. Owns a hidden window on its own X connection, serves
// the CLIPBOARD selection with text the engineer sent (UTF8_STRING, STRING, TARGETS), and notices (XFixes)
// when a local application copies text, fetching it (INCR included) up to limits::kMaxClipboardBytes.
// Thread: every call from one thread (the session's network thread, woken when fd() is readable).
#pragma once
#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "host/input/shared_clipboard.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

class X11Clipboard final : public SharedClipboard {
 public:
  // Opens `display`; fails with ErrorCode::unavailable without the display or the XFIXES extension.
  static std::expected<std::unique_ptr<X11Clipboard>, Error> open(const std::string& display);
  ~X11Clipboard() override;
  X11Clipboard(const X11Clipboard&) = delete;
  X11Clipboard& operator=(const X11Clipboard&) = delete;

  // The X connection's file descriptor: call process() when it becomes readable.
  int fd() const override;

  // Takes ownership of CLIPBOARD and serves `utf8` to local applications until another one copies.
  // Text over kMaxClipboardBytes is refused (invalid_argument); so is invalid UTF-8.
  std::expected<void, Error> set_text(std::string utf8) override;

  // Handles every pending X event: answers paste requests, follows ownership changes, receives transfers.
  // Blocks up to `wait` for the first event when none is queued. Fails (io) when the X connection broke.
  std::expected<void, Error> process(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) override;

  // Text a local application copied since the last call (the newest only), complete and valid UTF-8.
  // Copies larger than kMaxClipboardBytes are dropped, never truncated.
  std::optional<std::string> take_local_text() override;

  // Number of local copies dropped for size or encoding (for the audit log).
  std::size_t dropped_count() const override;

 private:
  struct Impl;
  explicit X11Clipboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk::host
