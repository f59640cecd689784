// Chat on the customer's side of one session: the engineer's lines go to the customer's window, the
// customer's answers (typed in the session bar) go to the engineer; both are cleaned, rate-limited and
// audited. Network thread; the UI's callback arrives on the UI thread and is posted here. Owned by the
// HostSession (shared, so a late callback finds it gone rather than dangling).
#pragma once
#include <memory>
#include <string>

#include "common/connection.hpp"
#include "common/transfer/chat_rules.hpp"
#include "host/core/audit_log.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

class HostChat : public std::enable_shared_from_this<HostChat> {
 public:
  // `ui` may be null (no window: chat is audited and dropped); it must outlive the session.
  HostChat(std::shared_ptr<Connection> connection, ConsentUi* ui, AuditLog& audit, std::string engineer_name);

  void start();   // listens to the customer's window
  void finish();  // stops listening
  void from_engineer(const protocol::Chat& chat);
  void from_customer(const std::string& text);

 private:
  std::weak_ptr<Connection> connection_;
  ConsentUi* ui_;
  AuditLog& audit_;
  std::string engineer_name_;
  transfer::ChatRateLimit engineer_limit_, customer_limit_;
  std::uint64_t dropped_ = 0;
};

}  // namespace elfdesk::host
