#include "relay/relay_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include "common/log.hpp"
#include "common/transport.hpp"
#include "relay/host_control.hpp"
#include "relay/join.hpp"
#include "relay/wire_io.hpp"

namespace elfdesk::relay {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

RelayServer::RelayServer(asio::any_io_executor executor, ssl_ctx_st* tls, RelayConfig config, Directory& directory,
                         EventLog& log, Metrics& metrics, const Clock& clock)
    : tls_(tls), state_(executor, std::move(config), directory, log, metrics, clock), acceptor_(executor),
      renew_timer_(executor) {}

std::expected<void, Error> RelayServer::listen(const std::string& host, std::uint16_t port) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::invalid_argument, "bad listen address " + host));
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected(make_error(ErrorCode::io, fmt::format("cannot listen on {}:{}: {}", host, port, ec.message())));
  return {};
}

std::uint16_t RelayServer::port() const {
  asio::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void RelayServer::start() {
  asio::co_spawn(state_.executor, accept_loop(), asio::detached);
  asio::co_spawn(state_.executor, renew_loop(), asio::detached);
}

void RelayServer::stop() {
  state_.stopping = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  renew_timer_.cancel();
  for (auto& [id, host] : state_.hosts) host->peer->close();  // each forgets its id as it ends
  for (auto& [ticket, join] : state_.pending) join->engineer->close();
}

asio::awaitable<void> RelayServer::accept_loop() {
  while (acceptor_.is_open()) {
    asio::ip::tcp::endpoint remote;
    auto [ec, socket] = co_await acceptor_.async_accept(remote, kTuple);
    if (!acceptor_.is_open()) break;
    if (ec) {
      // EMFILE and the like: wait a little rather than spin; the backlog holds the rest.
      log::warn("elfdesk-relay: accept failed: {}", ec.message());
      asio::steady_timer pause(state_.executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    ++state_.metrics.connections_total;
    const std::string address = remote.address().to_string();
    if (!state_.connections.try_open(address)) continue;  // closed unanswered: no TLS for a flood
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    use_session_congestion_control(socket.native_handle());  // it forwards the session's stream
    auto tls = TlsSocket::make(std::move(socket), tls_);
    if (!tls) {
      state_.connections.close(address);
      continue;
    }
    auto peer = std::make_shared<Peer>(state_, std::move(*tls), address);
    asio::co_spawn(state_.executor, serve(std::move(peer)), asio::detached);
  }
}

asio::awaitable<void> RelayServer::serve(std::shared_ptr<Peer> peer) {
  peer->arm(state_.config.limits.tls_handshake);
  const auto handshake = co_await peer->tls->handshake();
  peer->disarm();
  if (handshake) {
    ++state_.metrics.tls_failures_total;
    peer->close();
    co_return;
  }
  peer->arm(state_.config.limits.first_message);
  auto message = co_await read_relay_message(*peer->tls);
  peer->disarm();
  if (!message) {
    const bool bad = message.error().code != ErrorCode::closed && message.error().code != ErrorCode::io;
    if (bad && peer->tls->is_open()) {
      const std::string why = "not a relay request: " + message.error().detail;
      co_await refuse(*peer, protocol::RelayRefusal::bad_request, why, "request");
    }
    peer->close();
    co_return;
  }
  if (auto* reg = std::get_if<protocol::RelayRegister>(&*message)) {
    co_await serve_control(peer, *reg);
  } else if (auto* reclaim = std::get_if<protocol::RelayReclaim>(&*message)) {
    co_await serve_reclaim(peer, std::move(*reclaim));
  } else if (auto* join = std::get_if<protocol::RelayJoin>(&*message)) {
    co_await serve_join(peer, std::move(*join));
  } else if (auto* accept = std::get_if<protocol::RelayAccept>(&*message)) {
    co_await serve_accept(peer, std::move(*accept));
  } else {
    co_await refuse(*peer, protocol::RelayRefusal::bad_request, "expected Register, Reclaim, Join or Accept", "request");
  }
}

// Every lease/3 the ids held here are renewed in the directory, so a node that dies loses its ids
// within one lease, while a live one keeps them for their ttl.
asio::awaitable<void> RelayServer::renew_loop() {
  const auto every = std::max<std::chrono::milliseconds>(state_.config.limits.directory_lease / 3, std::chrono::milliseconds(200));
  while (!state_.stopping) {
    renew_timer_.expires_after(every);
    auto [ec] = co_await renew_timer_.async_wait(kTuple);
    if (ec || state_.stopping) break;
    std::vector<std::string> ids;
    ids.reserve(state_.hosts.size());
    for (const auto& [id, host] : state_.hosts) ids.push_back(id);
    state_.directory.renew(std::move(ids), state_.config.limits.directory_lease);
  }
}

}  // namespace elfdesk::relay
