// elfdesk-host's relay mode: the relay's TLS context, the registration (RelayHostTransport), and what the
// customer is told as it comes and goes (terminal, window, audit, code file). Network thread; owned by
// HostServer, which owns the CodeKeeper it feeds with routing ids.
#pragma once
#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/relay_transport.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/code_keeper.hpp"
#include "host/core/host_options.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

class HostRelay {
 public:
  // `codes` is set before start() and outlives this object.
  HostRelay(const HostOptions& options, AuditLog& audit, ConsentUi* ui, std::unique_ptr<CodeKeeper>& codes);
  // The transport HostServer accepts from (no port is opened); this object keeps a pointer to renew it.
  std::expected<std::unique_ptr<Transport>, Error> open(const asio::any_io_executor& executor);
  // Begins registering (after the CodeKeeper exists).
  void start();
  // The code rotated: give up the id and register again for a new one.
  void renew();
  // A resumable session uses the current id (`resume_ticket` names it): keep the id through relay
  // restarts and past its ttl (RelayHostTransport::hold). release_hold() when the session ends.
  void hold(std::span<const std::uint8_t> resume_ticket);
  void release_hold();

 private:
  void on_registered(const std::string& id, std::chrono::seconds ttl);
  void on_lost(const Error& why, std::chrono::milliseconds retry_in);
  std::string where() const;

  const HostOptions& options_;
  AuditLog& audit_;
  ConsentUi* ui_;
  std::unique_ptr<CodeKeeper>& codes_;
  std::optional<asio::ssl::context> tls_;  // verifies the relay's certificate; outlives the transport
  RelayHostTransport* transport_ = nullptr;  // owned by HostServer as its Transport
  bool down_ = false;                        // the current outage was reported already
};

}  // namespace elfdesk::host
