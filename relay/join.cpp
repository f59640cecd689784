#include "relay/join.hpp"

#include <asio/experimental/as_tuple.hpp>

#include <chrono>

#include "relay/splice.hpp"
#include "relay/wire_io.hpp"

namespace elfdesk::relay {
namespace {

using protocol::RelayRefusal;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kSplicedDeadline{5000};

// The id is not held here: another node's (Redirect) or nobody's (Refused no_such_session).
asio::awaitable<void> route_elsewhere(std::shared_ptr<Peer> engineer, std::string id) {
  RelayState& state = engineer->state;
  auto node = co_await state.directory.lookup(id);
  if (!node) {
    co_await refuse(*engineer, RelayRefusal::capacity, "the relay's directory is unavailable; try again later", "join");
    co_return;
  }
  if (!*node || **node == state.config.advertise) {
    co_await refuse(*engineer, RelayRefusal::no_such_session, "", "join");
    co_return;
  }
  ++state.metrics.redirects_total;
  state.log.write("join", {{"id", state.log.hash_id(id)}, {"address", engineer->address}, {"result", "redirect"},
                           {"node", **node}});
  const protocol::RelayMessage redirect = protocol::RelayRedirect{**node};
  engineer->arm(kSplicedDeadline);
  if (!co_await write_relay_message(*engineer->tls, redirect)) co_await engineer->tls->shutdown_send();
  engineer->disarm();
  engineer->close();
}

// Tells both sides, then splices until either ends.
asio::awaitable<void> run_session(std::shared_ptr<Peer> engineer, std::shared_ptr<Peer> host, std::string id) {
  RelayState& state = engineer->state;
  const protocol::RelayMessage spliced = protocol::RelaySpliced{};
  engineer->arm(kSplicedDeadline);
  host->arm(kSplicedDeadline);
  // Plain statements, not `co_await a && co_await b`: g++ 12 mishandles co_await in such operands.
  bool told = !co_await write_relay_message(*host->tls, spliced);
  if (told) told = !co_await write_relay_message(*engineer->tls, spliced);
  engineer->disarm();
  host->disarm();
  if (!told) {
    engineer->close();
    host->close();
    co_return;
  }
  ++state.metrics.sessions_total;
  ++state.metrics.sessions_active;
  const auto started = state.clock.now();
  state.log.write("session_start", {{"id", state.log.hash_id(id)}, {"engineer", engineer->address},
                                    {"host", host->address}});
  const SpliceResult result = co_await splice(*host, *engineer, state.buffers);
  --state.metrics.sessions_active;
  const double seconds = std::chrono::duration<double>(state.clock.now() - started).count();
  state.log.write("session_end", {{"id", state.log.hash_id(id)}, {"end", result.end}, {"seconds", seconds},
                                  {"bytes_to_engineer", result.host_to_engineer},
                                  {"bytes_to_host", result.engineer_to_host}});
}

std::string ticket_key(const std::vector<std::uint8_t>& ticket) { return std::string(ticket.begin(), ticket.end()); }

}  // namespace

asio::awaitable<void> serve_join(std::shared_ptr<Peer> engineer, protocol::RelayJoin request) {
  RelayState& state = engineer->state;
  ++state.metrics.joins_total;
  if (request.version != protocol::kRelayProtocolVersion) {
    co_await refuse(*engineer, RelayRefusal::version, "this relay speaks relay protocol version 1", "join");
    co_return;
  }
  if (!state.joins.allow(engineer->address)) {
    co_await refuse(*engineer, RelayRefusal::rate_limited, "too many join attempts from your address; wait a minute", "join");
    co_return;
  }
  auto found = state.hosts.find(request.id);
  if (found == state.hosts.end()) {
    co_await route_elsewhere(engineer, request.id);
    co_return;
  }
  std::shared_ptr<HostControl> host = found->second;
  if (++host->joins > state.config.limits.joins_per_id) {
    co_await refuse(*engineer, RelayRefusal::too_many_joins, "", "join");
    co_return;
  }
  if (state.sessions_in_use() >= state.config.max_sessions || state.stopping) {
    co_await refuse(*engineer, RelayRefusal::capacity, "this relay is carrying as many sessions as it can; try again later", "join");
    co_return;
  }
  std::vector<std::uint8_t> ticket(protocol::kRelayTicketBytes);
  if (!random_bytes(ticket.data(), ticket.size())) {
    co_await refuse(*engineer, RelayRefusal::capacity, "the relay has no randomness", "join");
    co_return;
  }
  const std::string key = ticket_key(ticket);
  auto waiting = std::make_shared<PendingJoin>(engineer, request.id, state.config.limits.accept);
  state.pending[key] = waiting;
  host->tickets.push_back(key);
  state.log.write("join", {{"id", state.log.hash_id(request.id)}, {"address", engineer->address}, {"result", "incoming"}});
  host->send(protocol::RelayIncoming{ticket});
  co_await waiting->wake.async_wait(kTuple);
  state.pending.erase(key);
  std::erase(host->tickets, key);
  if (!waiting->host_data) {
    co_await refuse(*engineer, RelayRefusal::host_gone, "the customer's computer did not pick up; ask them to check it is still connected", "join");
    co_return;
  }
  co_await run_session(engineer, std::move(waiting->host_data), request.id);
}

asio::awaitable<void> serve_accept(std::shared_ptr<Peer> host_data, protocol::RelayAccept request) {
  RelayState& state = host_data->state;
  auto found = state.pending.find(ticket_key(request.ticket));
  if (found == state.pending.end() || found->second->host_data) {
    co_await refuse(*host_data, RelayRefusal::ticket_unknown, "", "accept");
    co_return;
  }
  found->second->host_data = std::move(host_data);
  found->second->wake.cancel();  // the engineer's coroutine takes over both connections
}

}  // namespace elfdesk::relay
