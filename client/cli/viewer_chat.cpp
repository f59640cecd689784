// ViewerWindow's chat panel and file drops (main thread): Ctrl+Alt+C opens the panel for typing, Enter
// sends, Esc closes; a line from the customer opens it (without taking the keyboard); a file dropped on
// the window is offered to the customer (TransferClient::push), its progress shown in the panel.
#include <SDL.h>

#include "client/cli/viewer_window.hpp"

namespace elfdesk::client {
namespace {
constexpr std::size_t kChatLinesInPanel = 200;  // the newest shown; wheel or PgUp/PgDn scroll back
constexpr std::size_t kMaxChatInput = 1000;
}  // namespace

bool ViewerWindow::on_chat_event(const SDL_Event& e) {
  const bool shortcut = e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_c && (e.key.keysym.mod & KMOD_CTRL) &&
                        (e.key.keysym.mod & KMOD_ALT);
  if (shortcut) return open_chat(), true;
  if (!chat_typing_) return false;
  const bool paging = (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) &&
                      (e.key.keysym.sym == SDLK_PAGEUP || e.key.keysym.sym == SDLK_PAGEDOWN);
  if (paging) return false;  // the panel scrolls (on_panel_event)
  if (e.type == SDL_TEXTINPUT) {
    if (chat_input_.size() + std::strlen(e.text.text) <= kMaxChatInput) chat_input_ += e.text.text;
  } else if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_BACKSPACE) {
    while (!chat_input_.empty() && (static_cast<unsigned char>(chat_input_.back()) & 0xC0) == 0x80) chat_input_.pop_back();
    if (!chat_input_.empty()) chat_input_.pop_back();
  } else if (e.type == SDL_KEYDOWN && (e.key.keysym.sym == SDLK_RETURN || e.key.keysym.sym == SDLK_KP_ENTER)) {
    network_.post([text = std::exchange(chat_input_, {}), &mailbox = shared_.mailbox, &shared = shared_](SessionCore& core) {
      if (auto sent = core.chat().send(text); !sent)
        mailbox.post([&shared, why = sent.error().detail] { shared.chat_lines.push_back("(not sent: " + why + ")"); });
    });
  } else if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE) {
    chat_typing_ = chat_open_ = false;
    window_.hide_panel();
    return true;
  } else if (e.type != SDL_KEYUP && e.type != SDL_KEYDOWN) {
    return false;  // the mouse still reaches the customer
  }
  chat_seen_ = 0;
  show_chat();
  return true;  // keys typed into the chat never reach the customer
}

void ViewerWindow::open_chat() {
  chat_typing_ = !chat_typing_;
  chat_open_ = chat_typing_;
  if (!chat_open_) window_.hide_panel();
  chat_seen_ = 0;  // draw again
  show_chat();
}

void ViewerWindow::show_chat() {
  const bool news = shared_.chat_lines.size() != chat_seen_ || shared_.transfer_status != shown_transfer_;
  if (!news) return;
  if (shared_.chat_lines.size() > chat_seen_ && !chat_open_ && !panel_open_) chat_open_ = true;  // the customer wrote
  chat_seen_ = shared_.chat_lines.size();
  shown_transfer_ = shared_.transfer_status;
  if (!chat_open_ || panel_open_) return;
  std::vector<std::string> lines{"Chat with the customer (Ctrl+Alt+C to type, Esc to close)"};
  const auto& all = shared_.chat_lines;
  for (std::size_t i = all.size() > kChatLinesInPanel ? all.size() - kChatLinesInPanel : 0; i < all.size(); ++i)
    lines.push_back(all[i]);
  if (!shared_.transfer_status.empty()) lines.push_back(shared_.transfer_status);
  lines.push_back(chat_typing_ ? "> " + chat_input_ + "_" : "");
  window_.show_panel(std::move(lines));
  window_.scroll_panel(1 << 20);  // to the newest line and the input
}

void ViewerWindow::push_dropped(std::string path) {
  if (path.empty()) return;
  chat_open_ = true;
  shared_.transfer_status = "Offering " + path + " to the customer...";
  const auto name = path.substr(path.rfind('/') + 1);
  network_.post([path, name, &mailbox = shared_.mailbox, &shared = shared_](SessionCore& core) {
    core.transfers().push(
        path,
        [name, &mailbox, &shared](std::uint64_t done, std::uint64_t total) {
          mailbox.post([&shared, text = "Sending " + name + ": " + std::to_string(total ? done * 100 / total : 100) + "%"] {
            shared.transfer_status = text;
          });
        },
        [name, &mailbox, &shared](TransferOutcome o) {
          mailbox.post([&shared, text = o.exit_code == 0 ? "Sent " + name + " (" + o.path + ", sha256 " +
                                                               o.sha256_hex.substr(0, 12) + "...)"
                                                         : "Not sent: " + name + ": " + o.message] {
            shared.transfer_status = text;
          });
        });
  });
}

}  // namespace elfdesk::client
