// Project headers first: X.h defines macros that collide with protocol names.
#include "host/input/x11_clipboard.hpp"

#include "host/input/code_points.hpp"
#include "host/platform/x11_connection_loss.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
#include <poll.h>

namespace elfdesk::host {
namespace {

struct DisplayCloser {
  void operator()(Display* display) const { XCloseDisplay(display); }
};
struct XFreeDeleter {
  void operator()(unsigned char* data) const { XFree(data); }
};

std::string latin1_to_utf8(std::string_view latin1) {
  std::string out;
  for (const char c : latin1) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xc0 | (b >> 6));
      out += static_cast<char>(0x80 | (b & 0x3f));
    }
  }
  return out;
}

std::string utf8_to_latin1(std::string_view utf8) {
  std::string out;
  for (const std::uint32_t cp : decode_utf8(utf8).value_or(std::vector<std::uint32_t>{}))
    out += cp < 0x100 ? static_cast<char>(cp) : '?';
  return out;
}

}  // namespace

struct X11Clipboard::Impl {
  std::unique_ptr<Display, DisplayCloser> display;
  X11ConnectionState connection;  // the X server went away: every call fails, nothing touches X
  Window window = 0;
  int xfixes_event_base = 0;
  Atom clipboard = 0, utf8 = 0, targets = 0, incr = 0, text = 0, property = 0, timestamp_probe = 0;

  std::string served;  // text we own the selection with
  bool owning = false;

  enum class Transfer { idle, converting, incr, discarding };
  Transfer transfer = Transfer::idle;
  Atom requested_target = 0;
  std::string incoming;
  std::optional<std::string> local_text;
  std::size_t dropped = 0;

  Time server_time();
  void serve(const XSelectionRequestEvent& request);
  void start_fetch(Atom target, Time when);
  struct Property {
    Atom type = None;
    int format = 0;
    unsigned long count = 0, remaining = 0;
    std::unique_ptr<unsigned char, XFreeDeleter> data;
  };
  Property take_property();
  void on_selection_notify(const XSelectionEvent& event);
  void on_incr_chunk();
  void finish(std::string received, Atom type);
  void dispatch(XEvent& event);
};

// A real server timestamp (ICCCM forbids CurrentTime for ownership): a zero-length append to our own
// window produces a PropertyNotify carrying the time.
Time X11Clipboard::Impl::server_time() {
  Display* dpy = display.get();
  XChangeProperty(dpy, window, timestamp_probe, XA_STRING, 8, PropModeAppend, nullptr, 0);
  XEvent event;
  XIfEvent(
      dpy, &event,
      [](Display*, XEvent* e, XPointer arg) -> Bool {
        const auto* self = reinterpret_cast<const Impl*>(arg);
        return e->type == PropertyNotify && e->xproperty.window == self->window &&
               e->xproperty.atom == self->timestamp_probe;
      },
      reinterpret_cast<XPointer>(this));
  return event.xproperty.time;
}

void X11Clipboard::Impl::serve(const XSelectionRequestEvent& request) {
  Display* dpy = display.get();
  XSelectionEvent reply{};
  reply.type = SelectionNotify;
  reply.display = dpy;
  reply.requestor = request.requestor;
  reply.selection = request.selection;
  reply.target = request.target;
  reply.time = request.time;
  const Atom prop = request.property != None ? request.property : request.target;  // obsolete clients
  reply.property = None;
  if (owning && request.selection == clipboard) {
    if (request.target == targets) {
      const Atom list[] = {targets, utf8, XA_STRING, text};
      XChangeProperty(dpy, request.requestor, prop, XA_ATOM, 32, PropModeReplace,
                      reinterpret_cast<const unsigned char*>(list), 4);
      reply.property = prop;
    } else if (request.target == utf8 || request.target == text || request.target == XA_STRING) {
      const bool latin1 = request.target == XA_STRING;
      const std::string data = latin1 ? utf8_to_latin1(served) : served;
      XChangeProperty(dpy, request.requestor, prop, latin1 ? XA_STRING : utf8, 8, PropModeReplace,
                      reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
      reply.property = prop;
    }
  }
  XSendEvent(dpy, request.requestor, False, NoEventMask, reinterpret_cast<XEvent*>(&reply));
  XFlush(dpy);
}

void X11Clipboard::Impl::start_fetch(Atom target, Time when) {
  requested_target = target;
  transfer = Transfer::converting;
  incoming.clear();
  XDeleteProperty(display.get(), window, property);
  XConvertSelection(display.get(), clipboard, target, property, window, when);
  XFlush(display.get());
}

// Reads and deletes our transfer property (deleting it is also what asks an INCR owner for more).
X11Clipboard::Impl::Property X11Clipboard::Impl::take_property() {
  Property p;
  unsigned char* raw = nullptr;
  const long max_longs = static_cast<long>(limits::kMaxClipboardBytes / 4 + 1);
  XGetWindowProperty(display.get(), window, property, 0, max_longs, True, AnyPropertyType, &p.type, &p.format,
                     &p.count, &p.remaining, &raw);
  p.data.reset(raw);
  return p;
}

void X11Clipboard::Impl::on_selection_notify(const XSelectionEvent& event) {
  if (transfer != Transfer::converting || event.selection != clipboard) return;
  if (event.property == None) {  // the owner refused this target: fall back to Latin-1 STRING once
    if (requested_target == utf8) return start_fetch(XA_STRING, event.time);
    transfer = Transfer::idle;
    return;
  }
  auto [type, format, count, remaining, data] = take_property();
  if (type == incr) {  // deleting the property (above) tells the owner to send the first chunk
    transfer = Transfer::incr;
    return;
  }
  transfer = Transfer::idle;
  if (remaining > 0 || format != 8 || data == nullptr) {
    ++dropped;
    return;
  }
  finish(std::string(reinterpret_cast<const char*>(data.get()), count), type);
}

void X11Clipboard::Impl::on_incr_chunk() {
  auto [type, format, count, remaining, data] = take_property();
  if (count == 0 && remaining == 0) {  // zero-length chunk: transfer complete
    const bool keep = transfer == Transfer::incr;
    transfer = Transfer::idle;
    if (keep) finish(std::move(incoming), type);
    incoming.clear();
    return;
  }
  if (transfer == Transfer::discarding) return;  // keep deleting chunks so the owner can finish
  if (format != 8 || incoming.size() + count + remaining > limits::kMaxClipboardBytes) {
    ++dropped;
    incoming.clear();
    transfer = Transfer::discarding;
    return;
  }
  incoming.append(reinterpret_cast<const char*>(data.get()), count);
}

void X11Clipboard::Impl::finish(std::string received, Atom type) {
  std::string text_utf8 = type == XA_STRING ? latin1_to_utf8(received) : std::move(received);
  if (text_utf8.size() > limits::kMaxClipboardBytes || !protocol::is_valid_utf8(text_utf8)) {
    ++dropped;
    return;
  }
  local_text = std::move(text_utf8);
}

void X11Clipboard::Impl::dispatch(XEvent& event) {
  if (event.type == xfixes_event_base + XFixesSelectionNotify) {
    const auto& notify = reinterpret_cast<const XFixesSelectionNotifyEvent&>(event);
    if (notify.selection == clipboard && notify.owner != None && notify.owner != window)
      start_fetch(utf8, notify.selection_timestamp);
    return;
  }
  switch (event.type) {
    case SelectionRequest:
      serve(event.xselectionrequest);
      break;
    case SelectionClear:
      if (event.xselectionclear.selection == clipboard) owning = false, served.clear();
      break;
    case SelectionNotify:
      on_selection_notify(event.xselection);
      break;
    case PropertyNotify:
      if (event.xproperty.atom == property && event.xproperty.state == PropertyNewValue &&
          (transfer == Transfer::incr || transfer == Transfer::discarding))
        on_incr_chunk();
      break;
    default:
      break;
  }
}

X11Clipboard::X11Clipboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

X11Clipboard::~X11Clipboard() {
  if (impl_->display && impl_->window != 0 && !impl_->connection.lost) XDestroyWindow(impl_->display.get(), impl_->window);
  if (!impl_->connection.usable_here()) (void)impl_->display.release();  // see X11ConnectionState
}

std::expected<std::unique_ptr<X11Clipboard>, Error> X11Clipboard::open(const std::string& display) {
  auto impl = std::make_unique<Impl>();
  impl->display.reset(XOpenDisplay(display.empty() ? nullptr : display.c_str()));
  if (!impl->display) return std::unexpected(make_error(ErrorCode::unavailable, "cannot open X display '" + display + "'"));
  Display* dpy = impl->display.get();
  survive_connection_loss(dpy, &impl->connection);
  int error_base = 0;
  if (!XFixesQueryExtension(dpy, &impl->xfixes_event_base, &error_base))
    return std::unexpected(make_error(ErrorCode::unavailable, "X server lacks the XFIXES extension"));
  impl->window = XCreateSimpleWindow(dpy, DefaultRootWindow(dpy), -10, -10, 1, 1, 0, 0, 0);
  XSelectInput(dpy, impl->window, PropertyChangeMask);
  impl->clipboard = XInternAtom(dpy, "CLIPBOARD", False);
  impl->utf8 = XInternAtom(dpy, "UTF8_STRING", False);
  impl->targets = XInternAtom(dpy, "TARGETS", False);
  impl->incr = XInternAtom(dpy, "INCR", False);
  impl->text = XInternAtom(dpy, "TEXT", False);
  impl->property = XInternAtom(dpy, "ELFDESK_CLIPBOARD", False);
  impl->timestamp_probe = XInternAtom(dpy, "ELFDESK_TIMESTAMP", False);
  XFixesSelectSelectionInput(dpy, impl->window, impl->clipboard, XFixesSetSelectionOwnerNotifyMask);
  XSync(dpy, False);
  return std::unique_ptr<X11Clipboard>(new X11Clipboard(std::move(impl)));
}

int X11Clipboard::fd() const { return ConnectionNumber(impl_->display.get()); }

std::expected<void, Error> X11Clipboard::set_text(std::string utf8) {
  if (utf8.size() > limits::kMaxClipboardBytes)
    return std::unexpected(make_error(ErrorCode::invalid_argument, "clipboard text exceeds the size limit"));
  if (!protocol::is_valid_utf8(utf8))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "clipboard text is not valid UTF-8"));
  Display* dpy = impl_->display.get();
  if (impl_->connection.lost) return std::unexpected(make_error(ErrorCode::unavailable, std::string(kDisplayClosedReason)));
  impl_->served = std::move(utf8);
  XSetSelectionOwner(dpy, impl_->clipboard, impl_->window, impl_->server_time());
  impl_->owning = XGetSelectionOwner(dpy, impl_->clipboard) == impl_->window;
  // Talking to the server (the timestamp, the owner check) reads whatever else is on the socket into
  // Xlib's queue, where fd() no longer shows it: another client's request for the clipboard could wait
  // there, unanswered, until some other event arrived (an xclip read went unanswered for 5 s in CI).
  while (!impl_->connection.lost && XQLength(dpy) > 0) {
    XEvent event;
    XNextEvent(dpy, &event);
    impl_->dispatch(event);
  }
  if (!impl_->owning) return std::unexpected(make_error(ErrorCode::unavailable, "could not own the clipboard"));
  return {};
}

std::expected<void, Error> X11Clipboard::process(std::chrono::milliseconds wait) {
  Display* dpy = impl_->display.get();
  const auto gone = [] { return std::unexpected(make_error(ErrorCode::unavailable, std::string(kDisplayClosedReason))); };
  if (impl_->connection.lost) return gone();
  if (XPending(dpy) == 0 && wait.count() > 0) {
    pollfd pfd{ConnectionNumber(dpy), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(wait.count())) < 0)
      return std::unexpected(make_error(ErrorCode::io, "poll on the X connection failed"));
    if ((pfd.revents & (POLLERR | POLLHUP)) != 0) {
      impl_->connection.lost = true;
      mark_x11_display_closed();
      return gone();
    }
  }
  while (!impl_->connection.lost && XPending(dpy) > 0) {
    XEvent event;
    XNextEvent(dpy, &event);
    impl_->dispatch(event);
  }
  if (impl_->connection.lost) return gone();
  return {};
}

std::optional<std::string> X11Clipboard::take_local_text() {
  std::optional<std::string> text = std::move(impl_->local_text);
  impl_->local_text.reset();
  return text;
}

std::size_t X11Clipboard::dropped_count() const { return impl_->dropped; }

}  // namespace elfdesk::host
