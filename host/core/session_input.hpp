// The engineer's input and clipboard inside one host session: validates and rate-limits every event,
// injects it through the desktop's InputInjector, shares its SharedClipboard, counts activity for the audit log
// (counts per minute, never content), and releases everything held when the session ends. Network thread
// only.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>

#include "common/connection.hpp"
#include "common/image.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/core/host_session.hpp"
#include "host/input/shared_clipboard.hpp"
#include "host/platform/desktop_environment.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::host {

class SessionInput {
 public:
  // Input and clipboard come from `desktop`; `options.clipboard` may turn sharing off. Clipboard text
  // copied on the host is sent over `connection` (watched on its executor).
  SessionInput(const DesktopEnvironment& desktop, const HostOptions& options, Rect screen_area,
               std::uint32_t permissions, AuditLog& audit, std::shared_ptr<Connection> connection);
  ~SessionInput();
  void handle(const protocol::KeyEvent& event);
  void handle(const protocol::TextInput& event);
  void handle(const protocol::PointerEvent& event);
  void handle(const protocol::Clipboard& event);
  // What is shared changed (another monitor, a resize): pointer events are checked against and mapped into
  // `screen_area` (root-window coordinates) from now on.
  void set_screen_area(Rect screen_area);
  // Releases every held key and button; writes the last activity counts. Idempotent.
  void finish();

 private:
  void start_clipboard(const DesktopEnvironment& desktop, const asio::any_io_executor& executor);
  void watch_clipboard();
  void forward_local_clipboard();  // sends text a local application copied, if any
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk::host
