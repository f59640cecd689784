// The streaming half of a relayed pair: a paced writer and a verifying reader per direction, both on the
// generator's single io_context thread. Messages due inside the measured window give latency samples.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <asio.hpp>

#include "bench/relay/load_net.hpp"
#include "bench/relay/load_payload.hpp"
#include "bench/relay/load_stats.hpp"

namespace elfdesk::bench {

struct StreamWindow {
  std::int64_t start_ns = 0;  // first message due (plus each stream's random phase)
  std::int64_t from_ns = 0;   // measured window [from, to): after warm-up
  std::int64_t to_ns = 0;
  std::int64_t stop_ns = 0;   // no message is due at or after this
};

struct StreamHealth {
  std::uint64_t corrupt = 0;  // a message arrived out of order or with wrong bytes
  std::uint64_t broken = 0;   // a read or write failed before the end
  std::string first_error;
  bool finishing = false;     // set before the generator closes everything: errors after it are expected
  void fail(const std::string& what);
};

struct Pacing {
  std::size_t message_size = 0;
  double per_second = 0;
  std::int64_t phase_ns = 0;  // random offset inside one interval, so pairs do not write in lock-step
};

asio::awaitable<void> pace_writes(Tls& stream, Pacing pacing, const StreamWindow& window, DirectionStats& stats,
                                  StreamHealth& health);
asio::awaitable<void> read_messages(Tls& stream, PayloadParser& parser, const StreamWindow& window,
                                    DirectionStats& stats, StreamHealth& health);

}  // namespace elfdesk::bench
