// What the relay's connection handlers share: configuration, the directory, log, metrics, the
// per-address limiters, the ids registered here (-> their control connections) and the joins waiting
// for their host's Accept (by ticket). Network thread only, no locks; owned by RelayServer.
#pragma once
#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "protocol/relay_wire.hpp"
#include "relay/directory.hpp"
#include "relay/event_log.hpp"
#include "relay/metrics.hpp"
#include "relay/relay_limits.hpp"
#include "relay/buffer_pool.hpp"
#include "relay/tls_socket.hpp"

namespace elfdesk::relay {

struct RelayConfig {
  std::string advertise;            // this node's "host:port" as engineers dial it (Redirect target)
  std::chrono::seconds ttl{600};    // an id's life at most (Registered.ttl_seconds)
  std::size_t max_sessions = 2000;  // spliced pairs + joins waiting for their host
  RelayLimits limits;
};

struct RelayState;

// One accepted connection: its TLS, its source address, and the deadline that cuts it. Counted
// per address from accept to destruction.
struct Peer : std::enable_shared_from_this<Peer> {
  Peer(RelayState& state, std::unique_ptr<TlsSocket> tls, std::string address);
  ~Peer();
  // On expiry the connection is closed (every wait on it ends) and `cut` says why.
  void arm(std::chrono::milliseconds timeout);
  void disarm();
  void close() { tls->close(); }

  RelayState& state;
  std::unique_ptr<TlsSocket> tls;
  std::string address;
  asio::steady_timer deadline;
  bool cut = false;
};

// A host's registered id and its control connection. Messages to the host go through a short queue
// written by one coroutine at a time.
struct HostControl : std::enable_shared_from_this<HostControl> {
  HostControl(std::shared_ptr<Peer> peer, std::string id, std::chrono::steady_clock::time_point expires);
  // Queues a message; false (and the connection closed) if the host has not read the last kMaxQueued.
  bool send(const protocol::RelayMessage& message);

  static constexpr std::size_t kMaxQueued = 64;
  std::shared_ptr<Peer> peer;
  std::string id;
  std::chrono::steady_clock::time_point registered_at, expires;
  int joins = 0;
  bool bound = false;                // Bind: the id carries a session; no ttl while this connection lives
  std::vector<std::string> tickets;  // joins waiting for this host's Accept
  asio::steady_timer keeper;         // pings and the ttl
  std::deque<std::vector<std::uint8_t>> out;
  bool writing = false;

 private:
  asio::awaitable<void> flush();
};

// An engineer waiting for the host's data connection. `wake` is cancelled when it arrives (host_data
// set) or the host leaves; it expires at the accept deadline.
struct PendingJoin {
  PendingJoin(std::shared_ptr<Peer> engineer, std::string id, std::chrono::milliseconds deadline);
  std::shared_ptr<Peer> engineer;
  std::shared_ptr<Peer> host_data;
  std::string id;
  asio::steady_timer wake;
};

// An id that carries a session (Bind): only the host that shows the key whose SHA-256 is `verifier`
// may Reclaim it. `until` is max while its control connection lives, then bound_keep after it ended.
struct Binding {
  std::vector<std::uint8_t> verifier;
  std::chrono::steady_clock::time_point until;
};

struct RelayState {
  RelayState(asio::any_io_executor executor, RelayConfig config, Directory& directory, EventLog& log,
             Metrics& metrics, const Clock& clock);

  // Spliced pairs plus joins waiting: what --max-sessions caps.
  std::size_t sessions_in_use() const { return static_cast<std::size_t>(metrics.sessions_active) + pending.size(); }

  asio::any_io_executor executor;
  RelayConfig config;
  Directory& directory;
  EventLog& log;
  Metrics& metrics;
  const Clock& clock;
  RateLimiter registrations;
  RateLimiter joins;
  AddressCounter connections;
  std::unordered_map<std::string, std::shared_ptr<HostControl>> hosts;    // by id
  std::unordered_map<std::string, std::shared_ptr<PendingJoin>> pending;  // by ticket bytes
  std::unordered_map<std::string, Binding> bindings;                      // by id, at most max_registrations
  BufferPool buffers;
  bool stopping = false;
};

// Sends Refused{reason, text} (bounded by a short deadline), ends our direction and closes. Counted
// in the metrics and logged with `what` (register, join, accept, request).
// `text` is a view (callers pass literals): a temporary std::string argument of a coroutine is what
// g++ 12 mishandles (docs/architecture.md).
asio::awaitable<void> refuse(Peer& peer, protocol::RelayRefusal reason, std::string_view text, const char* what);

// Random bytes from OpenSSL (ids and tickets). False only if the RNG fails.
bool random_bytes(std::uint8_t* out, std::size_t size);

}  // namespace elfdesk::relay
