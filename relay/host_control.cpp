#include "relay/host_control.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

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

// A binding still kept for its host's Reclaim: no new registration gets that id.
bool reserved(const RelayState& state, const std::string& id) {
  auto found = state.bindings.find(id);
  return found != state.bindings.end() && found->second.until > state.clock.now();
}

// An id nobody here or on another node holds, claimed for this node; nullopt (+ why) when none.
asio::awaitable<std::expected<std::string, std::string>> claim_id(RelayState& state) {
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    auto id = random_id();
    if (!id) co_return std::unexpected("the relay has no randomness");
    if (state.hosts.contains(*id) || reserved(state, *id)) continue;  // kept for its session's Reclaim
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
    if (now >= host->expires && !host->bound) {
      state.log.write("expired", {{"id", state.log.hash_id(host->id)}});
      host->peer->close();
      break;
    }
    const auto left = host->bound ? state.config.limits.ping_every : host->expires - now;
    host->keeper.expires_after(std::min<std::chrono::steady_clock::duration>(state.config.limits.ping_every, left));
    auto [ec] = co_await host->keeper.async_wait(kTuple);
    if (ec || !host->peer->tls->is_open()) break;
    if (host->bound || state.clock.now() < host->expires) host->send(protocol::RelayPing{});
  }
}

void drop_stale_bindings(RelayState& state) {
  const auto now = state.clock.now();
  std::erase_if(state.bindings, [now](const auto& entry) { return entry.second.until <= now; });
}

// The id now carries a session: it outlives the ttl, and its joins count afresh (every resume is a join).
// One verifier per id: false (the caller ends the registration) for a Bind with another one. With the
// table full of bindings the Bind is ignored (logged), not fatal.
bool bind_id(HostControl& host, const std::vector<std::uint8_t>& verifier) {
  RelayState& state = host.peer->state;
  auto found = state.bindings.find(host.id);
  if (found != state.bindings.end() && found->second.verifier != verifier) return false;
  if (found == state.bindings.end() && state.bindings.size() >= state.config.limits.max_registrations) {
    drop_stale_bindings(state);
    if (state.bindings.size() >= state.config.limits.max_registrations) {
      state.log.write("bind_refused", {{"id", state.log.hash_id(host.id)}, {"why", "capacity"}});
      return true;  // the id stays an ordinary registration: the session just cannot outlive this connection
    }
  }
  state.bindings[host.id] = Binding{verifier, std::chrono::steady_clock::time_point::max()};
  if (!host.bound) state.log.write("bind", {{"id", state.log.hash_id(host.id)}});
  host.bound = true;
  host.joins = 0;
  return true;
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
    } else if (const auto* bind = std::get_if<protocol::RelayBind>(&*message)) {
      if (!bind_id(host, bind->verifier)) co_return "bad_request";
    } else if (!std::holds_alternative<protocol::RelayPong>(*message)) {
      co_return "bad_request";
    }
  }
}

void forget(RelayState& state, HostControl& host, const std::string& why) {
  auto it = state.hosts.find(host.id);
  const bool ours = it != state.hosts.end() && it->second.get() == &host;  // not taken over by a Reclaim
  if (ours) {
    state.hosts.erase(it);
    state.directory.release(host.id);
    if (auto bound = state.bindings.find(host.id); bound != state.bindings.end())
      bound->second.until = state.clock.now() + state.config.limits.bound_keep;
  }
  --state.metrics.registrations_active;
  host.keeper.cancel();
  for (const auto& ticket : host.tickets)  // their engineers learn now, not at the accept deadline
    if (auto p = state.pending.find(ticket); p != state.pending.end()) p->second->wake.cancel();
  const auto held = std::chrono::duration_cast<std::chrono::seconds>(state.clock.now() - host.registered_at);
  state.log.write("unregister", {{"id", state.log.hash_id(host.id)}, {"why", why}, {"held_s", held.count()},
                                 {"joins", host.joins}});
}

// Holds `id` (claimed in the directory) for this control connection until it ends. `verifier` not
// empty: a Reclaim of a session's id, bound at once.
asio::awaitable<void> run_registration(std::shared_ptr<Peer> peer, std::string id, std::vector<std::uint8_t> verifier,
                                       const char* event) {
  RelayState& state = peer->state;
  if (!peer->tls->is_open()) {  // the host left while the directory answered
    state.directory.release(id);
    co_return;
  }
  auto host = std::make_shared<HostControl>(peer, id, state.clock.now() + state.config.ttl);
  if (auto old = state.hosts.find(id); old != state.hosts.end()) old->second->peer->close();  // taken over
  state.hosts[id] = host;
  if (!verifier.empty()) (void)bind_id(*host, verifier);
  ++state.metrics.registrations_total;
  ++state.metrics.registrations_active;
  state.log.write(event, {{"id", state.log.hash_id(id)}, {"address", peer->address},
                          {"ttl_s", state.config.ttl.count()}});
  host->send(protocol::RelayRegistered{id, static_cast<std::uint32_t>(state.config.ttl.count())});
  asio::co_spawn(state.executor, keep(host), asio::detached);
  const std::string why = co_await read_until_gone(*host);
  peer->close();
  forget(state, *host, why);
}

// The directory decides across nodes. An id whose key still names this node is ours from before a
// restart (nothing here holds it): taken. One another node holds may be a dead node's, whose key expires
// within one lease: "try again" (capacity), which the host does with back-off, never "not yours".
asio::awaitable<std::expected<void, std::string>> claim_for_reclaim(RelayState& state, const std::string& id) {
  auto claimed = co_await state.directory.claim(id, state.config.limits.directory_lease);
  if (!claimed) co_return std::unexpected("the relay's directory is unavailable; try again later");
  if (*claimed) co_return std::expected<void, std::string>{};
  auto holder = co_await state.directory.lookup(id);
  if (holder && *holder && **holder == state.config.advertise) co_return std::expected<void, std::string>{};
  co_return std::unexpected("another relay node still holds this id; try again shortly");
}

// What Register and Reclaim both pass before any id is looked at: the relay protocol version, the
// address's registration rate (a Reclaim spends a token like a Register), room for one more code. False
// once refused (the peer is then closed).
asio::awaitable<bool> admit_registration(Peer& peer, std::uint16_t version, const char* what) {
  RelayState& state = peer.state;
  using protocol::RelayRefusal;
  if (version != protocol::kRelayProtocolVersion)
    co_await refuse(peer, RelayRefusal::version, "this relay speaks relay protocol version 1", what);
  else if (!state.registrations.allow(peer.address))
    co_await refuse(peer, RelayRefusal::rate_limited, "too many registrations from your address; wait a minute", what);
  else if (state.hosts.size() >= state.config.limits.max_registrations || state.stopping)
    co_await refuse(peer, RelayRefusal::capacity, "this relay holds as many codes as it can; try again later", what);
  else
    co_return true;
  co_return false;
}

bool same_bytes(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::vector<std::uint8_t> claim_verifier(std::span<const std::uint8_t> key) {
  std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) return {};
  digest.resize(size);
  return digest;
}

// Who may have an id back: with a binding (live or kept), only the key's holder; without one, anyone
// when no connection here and no node in the directory holds the id (the relay restarted, or its
// binding ran out). A stranger cannot take a live session's id; the key gives nobody the session.
asio::awaitable<void> serve_reclaim(std::shared_ptr<Peer> peer, protocol::RelayReclaim request) {
  RelayState& state = peer->state;
  using protocol::RelayRefusal;
  if (!co_await admit_registration(*peer, request.version, "reclaim")) co_return;
  const auto verifier = claim_verifier(request.key);
  if (verifier.empty()) co_return co_await refuse(*peer, RelayRefusal::capacity, "the relay cannot hash", "reclaim");
  const std::string id = request.id;
  auto bound = state.bindings.find(id);
  if (bound != state.bindings.end() && bound->second.until <= state.clock.now()) {
    state.bindings.erase(bound);
    bound = state.bindings.end();
  }
  const bool held_here = state.hosts.contains(id);
  if (bound != state.bindings.end() ? !same_bytes(bound->second.verifier, verifier) : held_here)
    co_return co_await refuse(*peer, RelayRefusal::not_yours, "", "reclaim");
  if (!held_here) {
    auto free = co_await claim_for_reclaim(state, id);
    if (!free) co_return co_await refuse(*peer, RelayRefusal::capacity, free.error(), "reclaim");
    if (state.hosts.contains(id))  // someone registered it here while the directory answered
      co_return co_await refuse(*peer, RelayRefusal::not_yours, "", "reclaim");
  }
  co_await run_registration(peer, id, verifier, "reclaim");
}

asio::awaitable<void> serve_control(std::shared_ptr<Peer> peer, protocol::RelayRegister request) {
  RelayState& state = peer->state;
  using protocol::RelayRefusal;
  if (!co_await admit_registration(*peer, request.version, "register")) co_return;
  auto id = co_await claim_id(state);
  if (!id) co_return co_await refuse(*peer, RelayRefusal::capacity, id.error(), "register");
  std::vector<std::uint8_t> unbound;  // named: g++ 12 mishandles braced temporaries into coroutines
  co_await run_registration(peer, std::move(*id), std::move(unbound), "register");
}

}  // namespace elfdesk::relay
