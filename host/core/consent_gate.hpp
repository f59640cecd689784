// The step between authentication and a session: read the engineer's ConsentRequest, ask the customer
// (or apply --consent accept), answer with ConsentResult, and audit the decision. Network thread.
#pragma once
#include <asio.hpp>

#include <optional>

#include "common/connection.hpp"
#include "common/handshake.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/core/host_session.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

// The granted session, or std::nullopt when the customer declined, did not answer in time, or the
// engineer went away (the connection is then closed with the reason).
asio::awaitable<std::optional<SessionSetup>> run_consent(Connection& connection, const PeerInfo& peer,
                                                         const HostOptions& options, ConsentUi* ui,
                                                         AuditLog& audit);

// What the customer's settings allow of what the engineer asked for.
std::uint32_t grant_permissions(std::uint32_t requested, const HostOptions& options);

}  // namespace elfdesk::host
