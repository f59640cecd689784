// Desktop notifications through the freedesktop notification service (org.freedesktop.Notifications on
// the session bus), with sd-bus from libsystemd: the watcher already links libsystemd (journal, units),
// and sd-bus needs no GLib main loop (libnotify does, to hear a clicked action). The "Get help" action is
// delivered only to the bus connection that sent the notification, so the watcher stays resident and
// listens (ActionInvoked). Watcher thread only; owns its bus connection.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::watch {

class DesktopNotifier {
 public:
  // The user's session bus (DBUS_SESSION_BUS_ADDRESS); unavailable when there is none.
  static std::expected<std::unique_ptr<DesktopNotifier>, Error> open();
  ~DesktopNotifier();

  // Shows a notification with a "Get help" action; returns its id. `critical`: urgency critical.
  std::expected<std::uint32_t, Error> notify(const std::string& summary, const std::string& body, bool critical);
  // Handles what arrived on the bus; calls `on_help(id)` for each "Get help" clicked on one of ours.
  void process(const std::function<void(std::uint32_t)>& on_help);
  // Waits until the bus has something or `timeout` passed (returns early on a signal).
  void wait(std::chrono::milliseconds timeout);

 private:
  struct Bus;
  explicit DesktopNotifier(std::unique_ptr<Bus> bus);
  std::unique_ptr<Bus> bus_;
};

}  // namespace elfdesk::watch
