// A host's control connection: Register -> a fresh id claimed in the directory -> Registered; then
// Incoming per join, Ping/Pong both ways, until the host closes, goes silent, or the ttl ends; then
// the id is forgotten here and in the directory. A Bind (the id now carries a session) lifts the ttl and
// keeps the id reserved for bound_keep after the connection ends; Reclaim{id, key} registers that id
// again for the host that shows the key (or, unbound, when nobody holds it). Network thread only.
#pragma once
#include <asio.hpp>

#include <memory>
#include <span>
#include <vector>

#include "relay/relay_state.hpp"

namespace elfdesk::relay {

asio::awaitable<void> serve_control(std::shared_ptr<Peer> peer, protocol::RelayRegister request);
asio::awaitable<void> serve_reclaim(std::shared_ptr<Peer> peer, protocol::RelayReclaim request);

// SHA-256 of a Reclaim key: what Bind carries and the relay keeps. Empty if OpenSSL fails.
std::vector<std::uint8_t> claim_verifier(std::span<const std::uint8_t> key);

}  // namespace elfdesk::relay
