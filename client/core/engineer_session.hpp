// The engineer's way into a host: dial (or accept a reverse connection), TLS, Hello, SPAKE2 with the
// one-time code, then ask for consent. Reports each state as it goes. Runs on the network thread
// (an io_context the caller drives); returns the admitted connection for the command to use, and after
// a drop resumes the session on a new connection (resume_engineer_session) without code or consent.
#pragma once
#include <asio.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/auth/resume_secret.hpp"
#include "common/connection.hpp"
#include "common/handshake.hpp"
#include "protocol/error.hpp"

namespace elfdesk::client {

enum class SessionState { connecting, waiting_for_host, authenticating, waiting_for_customer, connected };
const char* describe(SessionState state);

struct EngineerOptions {
  std::string host;                  // the host's address, or the relay's (via_relay)
  std::uint16_t port = 0;
  bool listen = false;               // reverse mode: wait for the host to dial us at host:port
  bool via_relay = false;            // host:port is an elfdesk-relay; the code's first half is the id
  std::string relay_ca;              // via_relay: PEM of the relay's CA; empty: the system trust store
  std::string code;                  // as typed; normalised here
  std::string name;                  // shown to the customer
  std::uint32_t permissions = 0;     // protocol::permission bits to ask for
  std::uint32_t capabilities = 0;    // protocol::capability bits we support
  ConnectionTimeouts timeouts;
  std::chrono::seconds consent_wait{90};
  std::function<void(SessionState)> on_state;
  std::function<void(std::uint16_t port)> on_listening;  // reverse mode: the bound port
};

struct EngineerSession {
  std::shared_ptr<Connection> connection;
  PeerInfo host;                   // the host's Hello and negotiated capabilities
  std::uint32_t granted = 0;       // permissions the customer granted
  std::optional<auth::ResumeSecret> resume;  // set when both sides can resume (capability kResume)
};

asio::awaitable<std::expected<EngineerSession, Error>> open_engineer_session(asio::ssl::context& tls,
                                                                             EngineerOptions options);

// The session dropped: reach the host again the same way (dial, listen, or the relay with the same id),
// TLS, Hello, and prove the resume secret for the new connection. On success `secret` has stepped to its
// next generation. auth_failed: the host refused (the session has ended, or the proof did not verify).
asio::awaitable<std::expected<std::shared_ptr<Connection>, Error>> resume_engineer_session(
    asio::ssl::context& tls, const EngineerOptions& options, auth::ResumeSecret& secret);

// Exit codes scripts rely on: 0 ok, 10 network error (also: relay unreachable, refused or gone), 11
// authentication failed (also: the relay knows no session with this code), 12 declined by the customer,
// 13 protocol error, 14 host busy.
int exit_code_for(const Error& error);
std::string default_engineer_name();  // user@host

}  // namespace elfdesk::client
