// The session opening both sides run on a fresh TLS connection: Hello exchange with version and
// capability negotiation, then SPAKE2 with key confirmation bound to this TLS channel's exporter value,
// or (a dropped session coming back) a resume proof bound the same way. Runs on the network thread as
// coroutines over one Connection; what survives the call is the resume secret it returns.
#pragma once
#include <asio.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "common/auth/resume_secret.hpp"
#include "common/connection.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk {

struct PeerInfo {
  protocol::Hello hello;           // what the peer said about itself
  std::uint32_t capabilities = 0;  // negotiated: ours AND theirs
};

// Sends our Hello, receives theirs, negotiates. On mismatch sends Goodbye(version_mismatch) and fails.
asio::awaitable<std::expected<PeerInfo, Error>> exchange_hello(Connection& connection,
                                                                const protocol::Hello& mine);

// What the engineer knows once the host proved the code: the host's Hello and the session's first resume
// secret (derived from the SPAKE2 key and this connection).
struct EngineerAdmission {
  PeerInfo host;
  auth::ResumeSecret resume;
};

// Engineer side of the opening (SPAKE2 party A), pipelined: our Hello and our share leave together (the
// share does not depend on the host's Hello), and `after_auth` (the ConsentRequest) leaves with our key
// confirmation, sent only once the host's confirmation verified: only a host that proved the code ever
// reads it. The host reads the same messages in the same order as when each waited for an answer; this
// saves two round trips (0.24 s on a 120 ms mobile link). Fails with auth_failed ("wrong or expired
// code") when the host's confirmation does not verify or the host rejects ours, and like
// exchange_hello on a version mismatch. `code_digits` is the normalized code. On success the
// connection's pre-authentication limits are lifted (Connection::set_authenticated).
asio::awaitable<std::expected<EngineerAdmission, Error>> open_as_engineer(Connection& connection,
                                                                          const protocol::Hello& mine,
                                                                          std::string code_digits,
                                                                          protocol::Message after_auth);

// Engineer side of a resume on a new connection, pipelined the same way: Hello and ResumeRequest (the
// secret's ticket and its proof for this connection) leave together; then the host's Hello and its
// ResumeResult. A host without kResume, or one that refuses: auth_failed with the reason. On success
// `secret` steps to its next generation and the connection is authenticated.
asio::awaitable<std::expected<PeerInfo, Error>> resume_as_engineer(Connection& connection, const protocol::Hello& mine,
                                                                    auth::ResumeSecret& secret);

// The host's side of the code, asked at the two moments that matter for an online guesser.
struct HostCodeCheck {
  // The engineer's share arrived: reserve a guess and return the code to run SPAKE2 with, or an error
  // (busy or auth_failed with the reason) to refuse without trying.
  std::function<std::expected<std::string, Error>()> begin;
  // Both confirmations verified: claims the code for this engineer, or false if it is no longer the
  // current one (rotated or expired meanwhile); the attempt is then refused.
  std::function<bool()> claim;
};

// Host side (SPAKE2 party B). Any failure after a guess was reserved is an authentication failure
// (ErrorCode::auth_failed) and counts as a wrong attempt against the code. On success the
// connection's pre-authentication limits are lifted and the session's first resume secret is returned.
// A ResumeRequest instead of the share (no session to resume) is answered "the session has ended".
asio::awaitable<std::expected<auth::ResumeSecret, Error>> authenticate_as_host(Connection& connection,
                                                                             HostCodeCheck check);

// Host side: the engineer's first message after Hello, when it may be either AuthShare or ResumeRequest.
asio::awaitable<std::expected<protocol::Message, Error>> receive_opening(Connection& connection);

inline constexpr const char* kSessionEndedMessage = "the session has ended: it cannot be resumed";

inline constexpr const char* kWrongCodeMessage = "wrong or expired code";

}  // namespace elfdesk
