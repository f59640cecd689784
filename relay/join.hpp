// An engineer's Join (-> Incoming to the host, then wait for its data connection, or Refused /
// Redirect) and a host's Accept (hands its data connection to the waiting join), then the splice.
// Network thread only.
#pragma once
#include <asio.hpp>

#include <memory>

#include "relay/relay_state.hpp"

namespace elfdesk::relay {

asio::awaitable<void> serve_join(std::shared_ptr<Peer> engineer, protocol::RelayJoin request);
asio::awaitable<void> serve_accept(std::shared_ptr<Peer> host_data, protocol::RelayAccept request);

}  // namespace elfdesk::relay
