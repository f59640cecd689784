#include "host/core/session_input.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <unistd.h>

#include "common/log.hpp"
#include "common/zstd_codec.hpp"
#include "host/input/input_guard.hpp"
#include "host/input/input_injector.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::host {
namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kCountWindow = std::chrono::minutes(1);
}  // namespace

struct SessionInput::Impl {
  AuditLog& audit;
  std::unique_ptr<InputInjector> injector;
  std::optional<InputGuard> guard;
  std::unique_ptr<SharedClipboard> shared_clipboard;
  std::unique_ptr<asio::posix::stream_descriptor> clipboard_watch;
  std::weak_ptr<Connection> connection;
  std::string last_clipboard;  // the newest text either side set: never echoed back
  std::string why_no_injection;
  bool control = false;
  bool clipboard = false;
  Clock::time_point window_start = Clock::now();
  struct Counts {
    std::uint64_t keys = 0, text_chars = 0, pointer = 0, clipboard = 0, dropped = 0, rejected = 0;
  } counts;
  bool finished = false;

  Impl(AuditLog& a) : audit(a) {}

  void flush(bool final_record) {
    if (guard) counts.rejected += guard->take_counts().rejected_rate;
    const auto& c = counts;
    if (c.keys + c.text_chars + c.pointer + c.clipboard + c.dropped + c.rejected > 0 || final_record)
      audit.record("input_activity", {{"keys", c.keys}, {"text_chars", c.text_chars}, {"pointer_events", c.pointer},
                                      {"clipboard_updates", c.clipboard}, {"dropped_view_only", c.dropped},
                                      {"rejected", c.rejected}, {"final", final_record}});
    counts = {};
    window_start = Clock::now();
  }

  // Shared gate for every event: counts per minute, view-only drop, and the one failure report.
  template <class F>
  void apply(bool needs_clipboard, std::uint64_t Counts::*counter, std::uint64_t amount, F&& inject) {
    if (Clock::now() - window_start >= kCountWindow) flush(false);
    if (!control || (needs_clipboard && !clipboard) || !injector) {
      ++counts.dropped;
      return;
    }
    if (auto ok = inject(); !ok) {
      // Bad input (off-screen, unknown button, invalid text, over the rate limit) is dropped and
      // counted; the session goes on.
      ++counts.rejected;
      log::warn("input rejected: {}", ok.error().detail);
      return;
    }
    counts.*counter += amount;
  }
};

SessionInput::SessionInput(const DesktopEnvironment& desktop, const HostOptions& options, Rect screen_area,
                           std::uint32_t permissions, AuditLog& audit, std::shared_ptr<Connection> connection)
    : impl_(std::make_unique<Impl>(audit)) {
  impl_->control = (permissions & protocol::permission::kControl) != 0;
  impl_->clipboard = (permissions & protocol::permission::kClipboard) != 0;
  if (!impl_->control) return;
  auto injector = desktop.make_injector(screen_area);
  if (!injector) {
    log::error("input injection unavailable: {}", injector.error().detail);
    return;
  }
  if (!*injector) return;  // this desktop takes no input: events are dropped and counted
  impl_->injector = std::move(*injector);
  impl_->guard.emplace(InputGuardConfig{screen_area.width, screen_area.height});
  impl_->connection = connection;
  if (impl_->clipboard && options.clipboard) start_clipboard(desktop, connection->executor());
}

void SessionInput::start_clipboard(const DesktopEnvironment& desktop, const asio::any_io_executor& executor) {
  auto clipboard = desktop.make_clipboard();
  if (!clipboard) {
    log::warn("clipboard sharing unavailable: {}", clipboard.error().detail);
    return;
  }
  if (!*clipboard) return;  // none on this desktop
  impl_->shared_clipboard = std::move(*clipboard);
  // Watch a duplicate of the X connection's fd so closing the watcher never closes Xlib's socket.
  impl_->clipboard_watch = std::make_unique<asio::posix::stream_descriptor>(executor, ::dup(impl_->shared_clipboard->fd()));
  watch_clipboard();
}

void SessionInput::watch_clipboard() {
  impl_->clipboard_watch->async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
    if (ec || impl_->finished) return;
    if (auto ok = impl_->shared_clipboard->process(); !ok) {
      log::warn("clipboard stopped: {}", ok.error().detail);
      return;
    }
    forward_local_clipboard();
    watch_clipboard();
  });
}

void SessionInput::forward_local_clipboard() {
  if (auto text = impl_->shared_clipboard->take_local_text(); text && *text != impl_->last_clipboard) {
    impl_->last_clipboard = *text;
    if (auto conn = impl_->connection.lock())
      conn->send(protocol::Clipboard{static_cast<std::uint32_t>(text->size()), zstd_compress(*text)});
  }
}

SessionInput::~SessionInput() { finish(); }

void SessionInput::handle(const protocol::KeyEvent& event) {
  impl_->apply(false, &Impl::Counts::keys, event.down ? 1 : 0, [&]() -> std::expected<void, Error> {
    if (auto ok = impl_->guard->check_key(event, Clock::now()); !ok) return ok;
    return impl_->injector->inject_key(event);
  });
}

void SessionInput::handle(const protocol::TextInput& event) {
  impl_->apply(false, &Impl::Counts::text_chars, event.utf8.size(), [&]() -> std::expected<void, Error> {
    if (auto ok = impl_->guard->check_text(event.utf8, Clock::now()); !ok) return ok;
    return impl_->injector->inject_text(event.utf8);
  });
}

void SessionInput::handle(const protocol::PointerEvent& event) {
  impl_->apply(false, &Impl::Counts::pointer, 1, [&]() -> std::expected<void, Error> {
    if (auto ok = impl_->guard->check_pointer(event, Clock::now()); !ok) return ok;
    return impl_->injector->inject_pointer(event);
  });
}

void SessionInput::handle(const protocol::Clipboard& event) {
  impl_->apply(true, &Impl::Counts::clipboard, 1, [&]() -> std::expected<void, Error> {
    if (!impl_->shared_clipboard) return std::unexpected(make_error(ErrorCode::unavailable, "no clipboard"));
    auto text = zstd_decompress_text(event.text_zstd, limits::kMaxClipboardBytes);
    if (!text) return std::unexpected(text.error());
    impl_->last_clipboard = *text;
    auto ok = impl_->shared_clipboard->set_text(std::move(*text));
    forward_local_clipboard();  // a local copy that set_text found queued on the X connection
    return ok;
  });
}

void SessionInput::set_screen_area(Rect screen_area) {
  if (impl_->injector) impl_->injector->set_screen_area(screen_area);
  if (impl_->guard) impl_->guard->set_screen_size(screen_area.width, screen_area.height);
}

void SessionInput::finish() {
  if (impl_->finished) return;
  impl_->finished = true;
  if (impl_->clipboard_watch) impl_->clipboard_watch->close();
  if (impl_->injector) {
    if (auto ok = impl_->injector->release_all(); !ok) log::error("cannot release held input: {}", ok.error().detail);
  }
  impl_->flush(true);
}

}  // namespace elfdesk::host
