// A host's control connection: Register -> a fresh id claimed in the directory -> Registered; then
// Incoming per join, Ping/Pong both ways, until the host closes, goes silent, or the ttl ends; then
// the id is forgotten here and in the directory. Network thread only.
#pragma once
#include <asio.hpp>

#include <memory>

#include "relay/relay_state.hpp"

namespace elfdesk::relay {

asio::awaitable<void> serve_control(std::shared_ptr<Peer> peer, protocol::RelayRegister request);

}  // namespace elfdesk::relay
