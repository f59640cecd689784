#include "relay/relay_state.hpp"

#include <openssl/rand.h>

#include "relay/wire_io.hpp"

namespace elfdesk::relay {
namespace {

constexpr std::chrono::milliseconds kRefusalDeadline{5000};

const char* reason_name(protocol::RelayRefusal reason) {
  const char* name = protocol::refusal_name(reason);
  return name ? name : "unknown";
}

}  // namespace

Peer::Peer(RelayState& state_, std::unique_ptr<TlsSocket> tls_, std::string address_)
    : state(state_), tls(std::move(tls_)), address(std::move(address_)), deadline(state_.executor) {
  ++state.metrics.connections_open;
}

Peer::~Peer() {
  --state.metrics.connections_open;
  state.connections.close(address);
}

void Peer::arm(std::chrono::milliseconds timeout) {
  deadline.expires_after(timeout);
  deadline.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->cut = true;
      ++self->state.metrics.deadline_cuts_total;
      self->tls->close();
    }
  });
}

void Peer::disarm() { deadline.cancel(); }

HostControl::HostControl(std::shared_ptr<Peer> peer_, std::string id_, std::chrono::steady_clock::time_point expires_)
    : peer(std::move(peer_)), id(std::move(id_)), registered_at(peer->state.clock.now()), expires(expires_),
      keeper(peer->state.executor) {}

bool HostControl::send(const protocol::RelayMessage& message) {
  if (!peer->tls->is_open()) return false;
  auto frame = protocol::encode_relay_frame(message);
  if (!frame || out.size() >= kMaxQueued) {
    peer->close();  // a host that reads nothing of its control connection is dead to us
    return false;
  }
  out.push_back(std::move(*frame));
  if (!writing) {
    writing = true;
    asio::co_spawn(peer->state.executor, flush(), asio::detached);
  }
  return true;
}

asio::awaitable<void> HostControl::flush() {
  auto self = shared_from_this();
  while (!out.empty() && peer->tls->is_open()) {
    if (auto ec = co_await peer->tls->write_all(out.front()); ec) {
      peer->close();
      break;
    }
    out.pop_front();
  }
  out.clear();
  writing = false;
}

PendingJoin::PendingJoin(std::shared_ptr<Peer> engineer_, std::string id_, std::chrono::milliseconds deadline)
    : engineer(std::move(engineer_)), id(std::move(id_)), wake(engineer->state.executor, deadline) {}

RelayState::RelayState(asio::any_io_executor executor_, RelayConfig config_, Directory& directory_, EventLog& log_,
                       Metrics& metrics_, const Clock& clock_)
    : executor(std::move(executor_)), config(std::move(config_)), directory(directory_), log(log_),
      metrics(metrics_), clock(clock_),
      registrations(clock_, config.limits.registration_burst, config.limits.registration_every),
      joins(clock_, config.limits.join_burst, config.limits.join_every),
      connections(config.limits.connections_per_address) {}

asio::awaitable<void> refuse(Peer& peer, protocol::RelayRefusal reason, std::string_view for_people, const char* what) {
  peer.state.metrics.refused(reason);
  peer.state.log.write("refused", {{"what", what}, {"reason", reason_name(reason)}, {"address", peer.address}});
  std::string text(for_people.empty() ? std::string_view(protocol::describe(reason)) : for_people);
  if (text.size() > protocol::kMaxRelayText) text.resize(protocol::kMaxRelayText);
  peer.arm(kRefusalDeadline);
  const protocol::RelayMessage refused = protocol::RelayRefused{reason, text};  // named: see architecture.md
  if (!co_await write_relay_message(*peer.tls, refused)) co_await peer.tls->shutdown_send();
  peer.disarm();
  peer.close();
}

bool random_bytes(std::uint8_t* out, std::size_t size) { return RAND_bytes(out, static_cast<int>(size)) == 1; }

}  // namespace elfdesk::relay
