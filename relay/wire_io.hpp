// Reading and writing one framed rendezvous message (protocol/relay_wire.hpp) on a relay connection.
// Network thread only. Deadlines are the caller's (relay/deadline.hpp closes the socket on expiry).
#pragma once
#include <asio.hpp>

#include <expected>
#include <system_error>

#include "protocol/error.hpp"
#include "protocol/relay_wire.hpp"
#include "relay/tls_socket.hpp"

namespace elfdesk::relay {

// Reads the length prefix and exactly one body (never a byte beyond it: after Join or Accept the
// stream is the peer's, spliced unread). closed at the end of the stream, io on errors, or the wire
// contract's error for a bad frame.
asio::awaitable<std::expected<protocol::RelayMessage, Error>> read_relay_message(TlsSocket& tls);
asio::awaitable<std::error_code> write_relay_message(TlsSocket& tls, const protocol::RelayMessage& message);

}  // namespace elfdesk::relay
