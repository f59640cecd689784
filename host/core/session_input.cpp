#include "host/core/session_input.hpp"

#include "common/log.hpp"
#include "host/input/input_injector.hpp"

namespace elfdesk::host {
namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kCountWindow = std::chrono::minutes(1);
}  // namespace

struct SessionInput::Impl {
  AuditLog& audit;
  std::unique_ptr<InputInjector> injector;
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
      ++counts.rejected;
      log::warn("input rejected: {}", ok.error().detail);
      return;
    }
    counts.*counter += amount;
  }
};

SessionInput::SessionInput(const HostOptions& options, Rect screen_area, std::uint32_t permissions, AuditLog& audit)
    : impl_(std::make_unique<Impl>(audit)) {
  impl_->control = (permissions & protocol::permission::kControl) != 0;
  impl_->clipboard = (permissions & protocol::permission::kClipboard) != 0;
  if (!impl_->control || options.fake_screen) return;
  auto injector = make_xtest_injector(options.display, screen_area);
  if (!injector) {
    log::error("input injection unavailable: {}", injector.error().detail);
    return;
  }
  impl_->injector = std::move(*injector);
}

SessionInput::~SessionInput() { finish(); }

void SessionInput::handle(const protocol::KeyEvent& event) {
  impl_->apply(false, &Impl::Counts::keys, event.down ? 1 : 0, [&] { return impl_->injector->inject_key(event); });
}

void SessionInput::handle(const protocol::TextInput& event) {
  impl_->apply(false, &Impl::Counts::text_chars, event.utf8.size(),
               [&] { return impl_->injector->inject_text(event.utf8); });
}

void SessionInput::handle(const protocol::PointerEvent& event) {
  impl_->apply(false, &Impl::Counts::pointer, 1, [&] { return impl_->injector->inject_pointer(event); });
}

void SessionInput::handle(const protocol::Clipboard&) {
  impl_->apply(true, &Impl::Counts::clipboard, 1, [&]() -> std::expected<void, Error> { return {}; });
}

void SessionInput::finish() {
  if (impl_->finished) return;
  impl_->finished = true;
  if (impl_->injector) {
    if (auto ok = impl_->injector->release_all(); !ok) log::error("cannot release held input: {}", ok.error().detail);
  }
  impl_->flush(true);
}

}  // namespace elfdesk::host
