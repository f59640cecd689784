#include "common/watch/desktop_notifier.hpp"

#include <systemd/sd-bus.h>

#include <cstring>
#include <set>
#include <vector>

namespace elfdesk::watch {
namespace {

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kActionKey = "get-help";

std::unexpected<Error> bus_error(const char* what, int r, const sd_bus_error* e = nullptr) {
  std::string detail = std::string(what) + ": " + (e && e->message ? e->message : std::strerror(-r));
  return std::unexpected(make_error(ErrorCode::unavailable, detail));
}

}  // namespace

struct DesktopNotifier::Bus {
  sd_bus* bus = nullptr;
  sd_bus_slot* match = nullptr;
  std::set<std::uint32_t> ours;        // ids of the notifications this watcher showed
  std::vector<std::uint32_t> clicked;  // "Get help" on one of them, not yet handled
  ~Bus() {
    sd_bus_slot_unref(match);
    sd_bus_flush_close_unref(bus);
  }

  static int on_action(sd_bus_message* m, void* self, sd_bus_error*) {
    auto* state = static_cast<Bus*>(self);
    std::uint32_t id = 0;
    const char* key = nullptr;
    if (sd_bus_message_read(m, "us", &id, &key) < 0 || key == nullptr) return 0;
    if (std::strcmp(key, kActionKey) == 0 && state->ours.contains(id)) state->clicked.push_back(id);
    return 0;
  }
};

DesktopNotifier::DesktopNotifier(std::unique_ptr<Bus> bus) : bus_(std::move(bus)) {}
DesktopNotifier::~DesktopNotifier() = default;

std::expected<std::unique_ptr<DesktopNotifier>, Error> DesktopNotifier::open() {
  auto bus = std::make_unique<Bus>();
  if (int r = sd_bus_open_user(&bus->bus); r < 0) return bus_error("no session bus", r);
  // No sender in the match: it would be the service's well-known name, which sd-bus cannot check locally
  // against the unique name a signal carries. Only ids this watcher showed count (on_action).
  if (int r = sd_bus_match_signal(bus->bus, &bus->match, nullptr, kPath, kService, "ActionInvoked", &Bus::on_action,
                                  bus.get());
      r < 0)
    return bus_error("cannot listen for notification actions", r);
  return std::unique_ptr<DesktopNotifier>(new DesktopNotifier(std::move(bus)));
}

std::expected<std::uint32_t, Error> DesktopNotifier::notify(const std::string& summary, const std::string& body,
                                                            bool critical) {
  sd_bus_message* call = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_message_new_method_call(bus_->bus, &call, kService, kPath, kService, "Notify");
  // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
  if (r >= 0) r = sd_bus_message_append(call, "susss", "elfdesk", 0u, "dialog-warning", summary.c_str(), body.c_str());
  if (r >= 0) r = sd_bus_message_append(call, "as", 2, kActionKey, "Get help");
  if (r >= 0)
    r = sd_bus_message_append(call, "a{sv}", 2, "urgency", "y", static_cast<std::uint8_t>(critical ? 2 : 1),
                              "desktop-entry", "s", "elfdesk-host");
  if (r >= 0) r = sd_bus_message_append(call, "i", -1);
  if (r >= 0) r = sd_bus_call(bus_->bus, call, 5'000'000, &error, &reply);
  std::uint32_t id = 0;
  if (r >= 0) r = sd_bus_message_read(reply, "u", &id);
  auto result = r < 0 ? std::expected<std::uint32_t, Error>(bus_error("notification not shown", r, &error))
                      : std::expected<std::uint32_t, Error>(id);
  if (r >= 0) bus_->ours.insert(id);
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  sd_bus_message_unref(call);
  return result;
}

void DesktopNotifier::process(const std::function<void(std::uint32_t)>& on_help) {
  while (sd_bus_process(bus_->bus, nullptr) > 0) {
  }
  auto clicked = std::move(bus_->clicked);
  bus_->clicked.clear();
  for (auto id : clicked) on_help(id);
}

void DesktopNotifier::wait(std::chrono::milliseconds timeout) {
  sd_bus_wait(bus_->bus, static_cast<std::uint64_t>(timeout.count()) * 1000);
}

}  // namespace elfdesk::watch
