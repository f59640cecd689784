// What happens when the customer's X server goes away (logout, display manager restart): Xlib's default
// ends the process with exit(1). Each X connection the host opens is marked here instead, so the thread
// using it reports ErrorCode::unavailable and the session ends with kDisplayClosedReason. Process-wide,
// any thread; the handlers run on whichever thread met the broken connection.
#pragma once
#include <atomic>
#include <functional>
#include <string_view>
#include <thread>

struct _XDisplay;

namespace elfdesk::host {

inline constexpr std::string_view kDisplayClosedReason = "the customer's display closed";

// One marked connection, owned beside its Display. Xlib keeps a broken display locked for the thread
// that met the break: any other thread calling Xlib on it (XCloseDisplay too) would wait forever.
struct X11ConnectionState {
  std::atomic<bool> lost{false};
  std::atomic<std::thread::id> lost_on{};  // default id: lost without Xlib noticing (poll saw the hangup)
  // Whether this thread may still call Xlib on the connection, to close it: not after another thread met
  // the break inside Xlib. Then the owner leaks the Display rather than hang.
  bool usable_here() const {
    const std::thread::id on = lost_on;
    return on == std::thread::id{} || on == std::this_thread::get_id();
  }
};

// After a broken connection `display` stays usable as a dead handle (calls fail, nothing exits); `state`
// (may be null) and x11_display_closed() are set. Call right after XOpenDisplay, on the owning thread.
// Installs the process-wide Xlib IO error handler too (Xlib's default calls exit(1) before any per-display
// handler runs); for connections not marked here it keeps Xlib's exit(1) unless main asked otherwise.
void survive_connection_loss(_XDisplay* display, X11ConnectionState* state);

// True once any X connection of this process broke (ours, or one we did not open, such as SDL's).
bool x11_display_closed();
void mark_x11_display_closed();

// For connections opened by others (SDL's): Xlib would exit(1) on them, or they would carry on with a dead
// handle. `on_lost` runs once, on the first thread to meet such a broken connection; that thread then
// never returns into the library that owns the connection (it waits for the process to end, which
// `on_lost` must arrange). Connections marked with survive_connection_loss() are not affected. Call once,
// from main, before any thread uses X.
void on_foreign_x11_connection_loss(std::function<void()> on_lost);

}  // namespace elfdesk::host
