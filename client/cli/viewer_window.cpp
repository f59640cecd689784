#include "client/cli/viewer_window.hpp"

#include <SDL.h>

#include <ctime>
#include <fstream>

#include "client/present/picture_shower.hpp"
#include "common/clock.hpp"
#include "common/probes/advice.hpp"
#include "common/zstd_codec.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::client {
namespace {

bool is_local_shortcut(const SDL_Event& e, SDL_Keycode key) {
  return e.type == SDL_KEYDOWN && e.key.keysym.sym == key && (e.key.keysym.mod & KMOD_CTRL) &&
         (e.key.keysym.mod & KMOD_ALT);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// The triage report as the host sent it, in the current directory; returns the file name.
std::string save_triage(const nlohmann::json& document) {
  char name[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(name, sizeof name, "elfdesk-triage-%Y%m%d-%H%M%S.json", std::localtime(&now));
  std::ofstream(name) << document.dump(2) << "\n";
  return name;
}

}  // namespace

ViewerWindow::ViewerWindow(SdlPresenter& window, ViewerNetwork& network, ViewerShared& shared, ViewSettings settings)
    : window_(window), network_(network), shared_(shared), settings_(std::move(settings)), mapper_(window.viewport()) {
  mapper_.set_grab_handler([this](bool grabbed) {
    SDL_SetWindowKeyboardGrab(SDL_GetWindowFromID(window_.sdl_window_id()), grabbed ? SDL_TRUE : SDL_FALSE);
  });
  SDL_StartTextInput();
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
  if (is_local_shortcut(e, SDLK_s)) return window_.show_stats(!window_.stats_visible()), true;
  if (is_local_shortcut(e, SDLK_f)) return window_.toggle_scale_mode(), true;
  if (is_local_shortcut(e, SDLK_d)) return toggle_triage(), true;
  if (on_chat_event(e)) return true;
  if (settings_.view_only) return true;
  if (e.type == SDL_DROPFILE) {
    push_dropped(e.drop.file ? e.drop.file : "");
    SDL_free(e.drop.file);
    return true;
  }
  if (is_local_shortcut(e, SDLK_r)) return run_suggested_remedy(), true;
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
  show_status();
  record();
  show_chat();
  window_.set_title("elfdesk — " + (shared_.host_name.empty() ? settings_.host_label : shared_.host_name) + " — " +
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
  if (panel_open_ || chat_open_) return;  // the triage or chat panel, when open, stays in front
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
  window_.set_stats(stats);
  last_bytes_ = bytes;
  last_pictures_ = pictures;
}

void ViewerWindow::toggle_triage() {
  panel_open_ = !panel_open_;
  if (!panel_open_) return window_.hide_panel();
  window_.show_panel({"Running triage on the customer's machine..."});
  network_.post([this](SessionCore& core) {
    core.probes().call(probes::ProbeInvocation{"triage", {}, std::nullopt, 0},
                       [this, &mailbox = shared_.mailbox](std::expected<probes::ReceivedReport, Error> answer) {
                         // Runs on the network thread (perhaps at close, after the loop): only posts.
                         mailbox.post([this, answer = std::move(answer)] { show_triage(answer); });
                       });
  });
}

void ViewerWindow::show_triage(const std::expected<probes::ReceivedReport, Error>& answer) {
  if (!answer) {
    if (panel_open_) window_.show_panel({"Triage failed: " + answer.error().detail});
    return;
  }
  const std::string saved = save_triage(answer->document);  // also when the panel was closed meanwhile
  // The transcript carries the session's findings: the summary and where the full report is.
  const std::string summary = answer->document.value("data", nlohmann::json::object())
                                  .value("summary", nlohmann::json::object())
                                  .value("text", std::string("triage finished"));
  network_.post([note = "findings: " + summary + " (report saved to " + saved + ")"](SessionCore& core) {
    core.chat().note(note);
  });
  if (!panel_open_) return;
  auto lines = split_lines(probes::format_report_text(answer->report));
  suggested_ = nullptr;
  for (const auto& f : answer->report.findings) {  // most urgent first
    if (!settings_.remedies || f.remedy.is_null()) continue;
    suggested_ = f.remedy;
    lines.push_back("Ctrl+Alt+R: " + probes::remedy_command_args(f) + "   (the customer is asked)");
    break;
  }
  lines.push_back("Saved to " + saved + "   (Ctrl+Alt+D to close)");
  window_.show_panel(std::move(lines));
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

// The remedy the shown triage suggested, through the same path as `elfdesk fix`: the customer is asked.
void ViewerWindow::run_suggested_remedy() {
  if (!panel_open_ || !suggested_.is_object()) return;
  remedies::RemedyCall call{suggested_.value("name", std::string()), {}, false};
  const nlohmann::json args = suggested_.value("args", nlohmann::json::object());  // named: items() refers to it
  for (const auto& [key, value] : args.items())
    call.args.items.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  suggested_ = nullptr;  // once per triage: the next one suggests again
  window_.show_panel({"Asking the customer to allow " + call.name + "..."});
  network_.post([this, call](SessionCore& core) {
    core.remedies().call(call, [this, &mailbox = shared_.mailbox](std::expected<remedies::ReceivedRemedy, Error> answer) {
      mailbox.post([this, answer = std::move(answer)] { show_remedy(answer); });  // network thread: only posts
    });
  });
}

void ViewerWindow::show_remedy(const std::expected<remedies::ReceivedRemedy, Error>& answer) {
  if (!panel_open_) return;
  auto lines = answer ? split_lines(remedies::format_remedy_text(answer->document))
                      : std::vector<std::string>{"Remedy not run: " + answer.error().detail};
  lines.push_back("(Ctrl+Alt+D to close)");
  window_.show_panel(std::move(lines));
}

}  // namespace elfdesk::client
