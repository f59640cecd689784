// The session opening both sides run on a fresh TLS connection: Hello exchange with version and
// capability negotiation, then SPAKE2 with key confirmation bound to this TLS channel's exporter value.
// Runs on the network thread as coroutines over one Connection; no state survives the call.
#pragma once
#include <asio.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

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

// Engineer side (SPAKE2 party A): fails with auth_failed ("wrong or expired code") when the host's
// confirmation does not verify or the host rejects ours. `code_digits` is the normalized code.
// On success the connection's pre-authentication limits are lifted (Connection::set_authenticated).
asio::awaitable<std::expected<void, Error>> authenticate_as_engineer(Connection& connection,
                                                                     std::string code_digits);

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
// connection's pre-authentication limits are lifted.
asio::awaitable<std::expected<void, Error>> authenticate_as_host(Connection& connection, HostCodeCheck check);

inline constexpr const char* kWrongCodeMessage = "wrong or expired code";

}  // namespace elfdesk
