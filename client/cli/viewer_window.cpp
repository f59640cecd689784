#include "client/cli/viewer_window.hpp"

#include <SDL.h>

#include "client/present/picture_shower.hpp"
#include "common/clock.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

bool is_local_shortcut(const SDL_Event& e, SDL_Keycode key) {
  return e.type == SDL_KEYDOWN && e.key.keysym.sym == key && (e.key.keysym.mod & KMOD_CTRL) &&
         (e.key.keysym.mod & KMOD_ALT);
}

}  // namespace

ViewerWindow::ViewerWindow(SdlPresenter& window, ViewerNetwork& network, ViewerShared& shared, ViewSettings settings)
    : window_(window),
      network_(network),
      shared_(shared),
      settings_(std::move(settings)),
      mapper_(window.viewport()),
      state_file_(ViewerStateFile::load(ViewerStateFile::default_path())) {
  mapper_.set_grab_handler([this](bool grabbed) {
    SDL_SetWindowKeyboardGrab(SDL_GetWindowFromID(window_.sdl_window_id()), grabbed ? SDL_TRUE : SDL_FALSE);
  });
  SDL_StartTextInput();
  window_.show_menu_button(true);
}

ViewerWindow::~ViewerWindow() {
  if (pan_timer_ != 0) SDL_RemoveTimer(pan_timer_);
}

PresenterLoop ViewerWindow::loop() {
  PresenterLoop loop;
  loop.on_event = [this](const void* e) { return on_event(e); };
  // Only once the queue is empty: a key's SDL_TEXTINPUT follows its SDL_KEYDOWN in the same batch, and
  // settling earlier would take every typed key for a dead key (text sent, the key never held).
  loop.on_drained = [this] {
    for (auto& m : mapper_.flush()) network_.send(std::move(m));
  };
  loop.on_wake = [this] { on_wake(); };
  loop.on_tick = [this] { on_tick(); };
  return loop;
}

void ViewerWindow::release_all() {
  for (auto& m : mapper_.release_all()) network_.send(std::move(m));
}

bool ViewerWindow::on_event(const void* raw) {
  const auto& e = *static_cast<const SDL_Event*>(raw);
  if (e.type == SDL_QUIT) return false;
  if (bool keep_running = true; on_menu_event(e, keep_running)) return keep_running;
  if (on_view_event(e)) return true;
  if (is_local_shortcut(e, SDLK_s)) return window_.show_stats(!window_.stats_visible()), true;
  if (is_local_shortcut(e, SDLK_d)) return toggle_triage(), true;
  if (on_chat_event(e)) return true;
  if (on_panel_event(e)) return true;
  if (settings_.view_only) return true;
  if (e.type == SDL_DROPFILE) {
    push_dropped(e.drop.file ? e.drop.file : "");
    SDL_free(e.drop.file);
    return true;
  }
  if (is_local_shortcut(e, SDLK_r)) return run_remedy(suggested_), true;
  // The engineer's clipboard is offered only while this window has the keyboard: a copy elsewhere on the
  // engineer's desktop is none of the customer's business. On focus, the newest copy is offered once.
  if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_FOCUS_GAINED) {
    focused_ = true;
    if (settings_.share_clipboard) send_local_clipboard();
  }
  if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_FOCUS_LOST) focused_ = false;
  if (e.type == SDL_CLIPBOARDUPDATE) {
    if (settings_.share_clipboard && focused_) send_local_clipboard();
    return true;
  }
  mapper_.set_viewport(window_.viewport());
  for (auto& m : mapper_.handle(raw)) network_.send(std::move(m));
  return true;
}

void ViewerWindow::on_wake() {
  const ShownPictures shown = show_pictures(window_, shared_.updates.take_all());
  if (shown.newest) {
    // Acknowledged only now that the window shows it: the host's flow control sees a stalled viewer.
    network_.post([stamp = *shown.newest, at = shown.shown_us, keyframe = shown.needs_keyframe](SessionCore& core) {
      core.acknowledge(stamp, at);
      if (keyframe) core.request_keyframe();
    });
  }
  show_mailbox();
  apply_remembered();
  edge_pan();
  show_status();
  record();
  show_chat();
  window_.set_title("elfdesk — " + host_title() + " — " +
                    shared_.state);
}

void ViewerWindow::show_mailbox() {
  auto mail = shared_.mailbox.take();
  for (auto& task : mail.tasks) task();
  if (mail.cursor_shape) {
    window_.set_cursor_shape(*mail.cursor_shape);
    if (settings_.recorder) cursor_shape_ = std::move(*mail.cursor_shape);
  }
  if (mail.cursor_position) {
    window_.set_cursor_position(*mail.cursor_position);
    cursor_position_ = *mail.cursor_position;
  }
  if (mail.clipboard && settings_.share_clipboard) {
    last_clipboard_ = std::move(*mail.clipboard);
    SDL_SetClipboardText(last_clipboard_.c_str());
  }
}

// The picture as shown, with the remote cursor, at most SessionRecorder::kMaxFps: only once the customer
// allowed recording (their consent question said so), never what came before.
void ViewerWindow::record() {
  if (!settings_.recorder || !shared_.connected || (shared_.granted & protocol::permission::kRecord) == 0) return;
  const std::uint64_t now = monotonic_us();
  if (!settings_.recorder->due(now)) return;
  settings_.recorder->offer(window_.picture(), cursor_shape_ ? &*cursor_shape_ : nullptr, cursor_position_, now);
}

// Connecting, waiting for consent, or why it ended: a panel, so the window is never just black.
void ViewerWindow::show_status() {
  if (shared_.status == shown_status_) return;
  shown_status_ = shared_.status;
  if (panel_open_ || chat_open_ || status_open_) return;  // another panel, when open, stays in front
  if (shown_status_.empty()) return window_.hide_panel();
  window_.show_panel({shown_status_});
}

void ViewerWindow::on_tick() {
  // SDL 2.26 on X11 reports a copy by another application only when SDL owned the clipboard before (it
  // listens for SelectionClear, not XFixes): without this a first copy never reached a customer who had
  // not copied first. So while focused the clipboard is also looked at once per tick (deduplicated).
  if (focused_ && settings_.share_clipboard && !settings_.view_only) send_local_clipboard();
  const SessionStats& s = shared_.stats;
  const auto bytes = s.bytes.load(), pictures = s.pictures.load();
  PresenterStats stats;
  stats.fps = static_cast<double>(pictures - last_pictures_);
  stats.kbit_per_s = static_cast<double>(bytes - last_bytes_) * 8.0 / 1000.0;
  stats.round_trip_ms = static_cast<double>(s.round_trip_us.load()) / 1000.0;
  stats.latency_ms = static_cast<double>(s.latency_us.load()) / 1000.0;
  stats.dropped_frames = shared_.updates.dropped();
  stats.decode_ms = static_cast<double>(s.decode_us.load()) / 1000.0;
  stats.present_ms = static_cast<double>(s.present_us.load()) / 1000.0;
  stats.has_path = s.path_reports.load() > 0;
  stats.path_rtt_ms = static_cast<double>(s.path_min_rtt_us.load()) / 1000.0;
  stats.path_queue_ms = static_cast<double>(s.path_queue_us.load()) / 1000.0;
  stats.path_kbps = s.path_delivery_kbps.load();
  stats.path_target_kbps = s.path_target_kbps.load();
  stats.path_frames_in_flight = s.path_frames_in_flight.load();
  stats.path_bytes_in_flight = s.path_bytes_in_flight.load();
  window_.set_stats(stats);
  last_bytes_ = bytes;
  last_pictures_ = pictures;
}

void ViewerWindow::send_local_clipboard() {
  if (!shared_.connected) return;  // before, it would be dropped yet remembered as sent
  char* raw = SDL_GetClipboardText();
  std::string text = raw ? raw : "";
  SDL_free(raw);
  if (text.empty() || text == last_clipboard_ || text.size() > limits::kMaxClipboardBytes) return;
  last_clipboard_ = text;
  network_.send(protocol::Clipboard{static_cast<std::uint32_t>(text.size()), zstd_compress(text)});
}

}  // namespace elfdesk::client
