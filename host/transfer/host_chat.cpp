#include "host/transfer/host_chat.hpp"

#include "common/log.hpp"
#include "host/ui/display_text.hpp"

namespace elfdesk::host {

HostChat::HostChat(std::shared_ptr<Connection> connection, ConsentUi* ui, AuditLog& audit, std::string engineer_name)
    : connection_(connection), ui_(ui), audit_(audit), engineer_name_(sanitize_display_text(engineer_name)) {}

void HostChat::start() {
  if (!ui_) return;
  auto connection = connection_.lock();
  if (!connection) return;
  ui_->set_on_chat([weak = weak_from_this(), ex = connection->executor()](std::string text) {
    asio::post(ex, [weak, text = std::move(text)] {
      if (auto self = weak.lock()) self->from_customer(text);
    });
  });
}

void HostChat::finish() {
  if (ui_) ui_->set_on_chat(nullptr);
}

void HostChat::from_engineer(const protocol::Chat& chat) {
  auto text = transfer::clean_chat_text(chat.text);
  if (!text) return log::warn("chat from the engineer dropped: {}", text.error().detail);
  if (!engineer_limit_.allow(std::chrono::steady_clock::now())) {
    // A flood must not fill the customer's window or the audit log: counted, not shown.
    ++dropped_;
    return log::warn("chat from the engineer dropped: more than the rate limit ({} so far)", dropped_);
  }
  audit_.record("chat", {{"from", "engineer"}, {"engineer", engineer_name_}, {"text", *text}});
  if (ui_) ui_->add_chat_line(transfer::format_chat_line({transfer::unix_ms_now(), engineer_name_, *text}));
}

void HostChat::from_customer(const std::string& raw) {
  auto connection = connection_.lock();
  auto text = transfer::clean_chat_text(raw);
  if (!connection || !connection->is_open() || !text) return;
  if (!customer_limit_.allow(std::chrono::steady_clock::now())) {
    if (ui_) ui_->add_chat_line("(not sent: a few messages a second at most)");
    return;
  }
  connection->send(protocol::Chat{*text});
  audit_.record("chat", {{"from", "customer"}, {"engineer", engineer_name_}, {"text", *text}});
  if (ui_) ui_->add_chat_line(transfer::format_chat_line({transfer::unix_ms_now(), "You", *text}));
}

}  // namespace elfdesk::host
