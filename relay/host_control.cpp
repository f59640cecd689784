#include "relay/host_control.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "relay/wire_io.hpp"

namespace elfdesk::relay {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr int kIdAttempts = 20;

// A uniform 6-digit id (rejection sampling keeps every id equally likely).
std::optional<std::string> random_id() {
  for (;;) {
    std::uint32_t value = 0;
    if (!random_bytes(reinterpret_cast<std::uint8_t*>(&value), sizeof value)) return std::nullopt;
    if (value >= 4'294'000'000u) continue;
    return fmt::format("{:06}", value % 1'000'000u);
  }
}

// An id nobody here or on another node holds, claimed for this node; nullopt (+ why) when none.
asio::awaitable<std::expected<std::string, std::string>> claim_id(RelayState& state) {
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    auto id = random_id();
    if (!id) co_return std::unexpected("the relay has no randomness");
    if (state.hosts.contains(*id)) continue;
    auto claimed = co_await state.directory.claim(*id, state.config.limits.directory_lease);
    if (!claimed) co_return std::unexpected("the relay's directory is unavailable; try again later");
    if (*claimed && !state.hosts.contains(*id)) co_return *id;
    if (*claimed) state.directory.release(*id);
  }
  co_return std::unexpected("the relay has no free id; try again later");
}

// Pings every ping_every and ends the registration when its ttl has passed.
asio::awaitable<void> keep(std::shared_ptr<HostControl> host) {
  RelayState& state = host->peer->state;
  while (host->peer->tls->is_open()) {
    const auto now = state.clock.now();
    if (now >= host->expires) {
      state.log.write("expired", {{"id", state.log.hash_id(host->id)}});
      host->peer->close();
      break;
    }
    host->keeper.expires_after(std::min<std::chrono::steady_clock::duration>(state.config.limits.ping_every,
                                                                             host->expires - now));
    auto [ec] = co_await host->keeper.async_wait(kTuple);
    if (ec || !host->peer->tls->is_open()) break;
    if (state.clock.now() < host->expires) host->send(protocol::RelayPing{});
  }
}

// Reads until the host leaves: each message must come within control_idle.
asio::awaitable<std::string> read_until_gone(HostControl& host) {
  Peer& peer = *host.peer;
  for (;;) {
    peer.arm(peer.state.config.limits.control_idle);
    auto message = co_await read_relay_message(*peer.tls);
    peer.disarm();
    if (!message) {
      if (peer.cut) co_return "silent";
      co_return message.error().code == ErrorCode::closed ? "closed" : "error";
    }
    if (std::holds_alternative<protocol::RelayPing>(*message)) {
      host.send(protocol::RelayPong{});
    } else if (!std::holds_alternative<protocol::RelayPong>(*message)) {
      co_return "bad_request";
    }
  }
}

void forget(RelayState& state, HostControl& host, const std::string& why) {
  auto it = state.hosts.find(host.id);
  if (it != state.hosts.end() && it->second.get() == &host) state.hosts.erase(it);
  state.directory.release(host.id);
  --state.metrics.registrations_active;
  host.keeper.cancel();
  for (const auto& ticket : host.tickets)  // their engineers learn now, not at the accept deadline
    if (auto p = state.pending.find(ticket); p != state.pending.end()) p->second->wake.cancel();
  const auto held = std::chrono::duration_cast<std::chrono::seconds>(state.clock.now() - host.registered_at);
  state.log.write("unregister", {{"id", state.log.hash_id(host.id)}, {"why", why}, {"held_s", held.count()},
                                 {"joins", host.joins}});
}

}  // namespace

asio::awaitable<void> serve_control(std::shared_ptr<Peer> peer, protocol::RelayRegister request) {
  RelayState& state = peer->state;
  using protocol::RelayRefusal;
  if (request.version != protocol::kRelayProtocolVersion)
    co_return co_await refuse(*peer, RelayRefusal::version, "this relay speaks relay protocol version 1", "register");
  if (!state.registrations.allow(peer->address))
    co_return co_await refuse(*peer, RelayRefusal::rate_limited, "too many registrations from your address; wait a minute", "register");
  if (state.hosts.size() >= state.config.limits.max_registrations || state.stopping)
    co_return co_await refuse(*peer, RelayRefusal::capacity, "this relay holds as many codes as it can; try again later", "register");
  auto id = co_await claim_id(state);
  if (!id) co_return co_await refuse(*peer, RelayRefusal::capacity, id.error(), "register");
  if (!peer->tls->is_open()) {  // the host left while the directory answered
    state.directory.release(*id);
    co_return;
  }
  auto host = std::make_shared<HostControl>(peer, *id, state.clock.now() + state.config.ttl);
  state.hosts[*id] = host;
  ++state.metrics.registrations_total;
  ++state.metrics.registrations_active;
  state.log.write("register", {{"id", state.log.hash_id(*id)}, {"address", peer->address},
                               {"ttl_s", state.config.ttl.count()}});
  host->send(protocol::RelayRegistered{*id, static_cast<std::uint32_t>(state.config.ttl.count())});
  asio::co_spawn(state.executor, keep(host), asio::detached);
  const std::string why = co_await read_until_gone(*host);
  peer->close();
  forget(state, *host, why);
}

}  // namespace elfdesk::relay
