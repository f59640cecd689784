// Copies bytes both ways between a host's data connection and an engineer's once both have been told
// `Spliced`: one fixed buffer per direction (kSpliceBuffer), so a side that stops reading stops the
// other side's reads (TCP backpressure), never a growing queue. Nothing spliced is parsed. Network
// thread only; both peers belong to the caller and are closed when it returns.
#pragma once
#include <asio.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "relay/buffer_pool.hpp"
#include "relay/relay_state.hpp"

namespace elfdesk::relay {

struct SpliceResult {
  std::uint64_t host_to_engineer = 0;
  std::uint64_t engineer_to_host = 0;
  std::string end;  // "closed", "idle", "half_open", "error"
};

asio::awaitable<SpliceResult> splice(Peer& host, Peer& engineer, BufferPool& buffers);

}  // namespace elfdesk::relay
