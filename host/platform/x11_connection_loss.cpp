#include "host/platform/x11_connection_loss.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>

// Last: Xlibint.h (for Display::exit_handler, which tells the connections we marked) defines min and max.
#include <X11/Xlib.h>
#include <X11/Xlibint.h>

namespace elfdesk::host {
namespace {

std::atomic<bool> g_closed{false};
std::mutex g_mutex;  // guards g_on_foreign_loss
std::function<void()> g_on_foreign_loss;
std::atomic<bool> g_foreign_handled{false};  // on_lost ran (or Xlib's exit began): later callers only wait

void survive(Display*, void* data) {
  g_closed = true;
  if (auto* state = static_cast<X11ConnectionState*>(data)) {
    state->lost_on = std::this_thread::get_id();
    state->lost = true;
  }
}

int on_io_error(Display* display) {
  g_closed = true;
  if (display->exit_handler == survive) return 0;  // its owner reports unavailable
  std::function<void()> callback;
  {
    std::lock_guard lock(g_mutex);
    callback = std::exchange(g_on_foreign_loss, nullptr);
  }
  if (!callback && !g_foreign_handled.exchange(true)) {  // nobody asked to handle it: Xlib's behaviour
    std::fprintf(stderr, "elfdesk: X connection to %s broken\n", DisplayString(display));
    std::exit(1);
  }
  if (callback) {
    g_foreign_handled = true;
    callback();
  }
  // Returning would let the owning library (SDL) go on with a dead connection, or let Xlib exit(1):
  // this thread waits while `on_lost` ends the process in order.
  for (;;) ::pause();
}

}  // namespace

void survive_connection_loss(_XDisplay* display, X11ConnectionState* state) {
  if (display == nullptr) return;
  // Xlib's default handler (which runs before the exit handler) calls exit(1) itself: replace it too.
  XSetIOErrorHandler(on_io_error);
  XSetIOErrorExitHandler(display, survive, state);
}

bool x11_display_closed() { return g_closed; }
void mark_x11_display_closed() { g_closed = true; }

void on_foreign_x11_connection_loss(std::function<void()> on_lost) {
  {
    std::lock_guard lock(g_mutex);
    g_on_foreign_loss = std::move(on_lost);
  }
  XSetIOErrorHandler(on_io_error);
}

}  // namespace elfdesk::host
