#include "tests/host/attack_client.hpp"

#include "common/auth/tls_context.hpp"
#include "common/transport.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::test {
namespace {

asio::ip::tcp::socket bound_socket(asio::io_context& io, const std::string& source) {
  asio::ip::tcp::socket socket(io);
  socket.open(asio::ip::tcp::v4());
  socket.bind({asio::ip::make_address(source), 0});
  return socket;
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

asio::ip::tcp::socket open_idle(asio::io_context& io, const std::string& source, std::uint16_t port) {
  auto socket = bound_socket(io, source);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  return socket;
}

asio::awaitable<std::expected<void, Error>> AttackClient::connect_and_hello(std::string source, std::uint16_t port) {
  auto socket = bound_socket(io_, source);
  auto [ec] = co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port},
                                            asio::experimental::as_tuple(asio::use_awaitable));
  if (ec) co_return std::unexpected(make_error(ErrorCode::io, ec.message()));
  connection = Connection::make(tcp_link(std::move(socket)), tls_);
  if (auto ok = co_await connection->handshake(TlsRole::client); !ok) co_return std::unexpected(ok.error());
  connection->start();
  connection->send(protocol::Hello{limits::kProtocolVersion, protocol::Role::engineer, 0, "attacker", "test"});
  auto hello = co_await connection->receive();
  if (!hello) co_return std::unexpected(hello.error());
  if (!std::holds_alternative<protocol::Hello>(*hello))
    co_return std::unexpected(make_error(ErrorCode::malformed, "no Hello"));
  host_hello = std::get<protocol::Hello>(*hello);
  co_return std::expected<void, Error>{};
}

asio::awaitable<bool> AttackClient::send_share(std::string digits) {
  auto binding = auth::export_channel_binding(connection->stream());
  if (!binding) co_return false;
  auto party = auth::Spake2Party::create(auth::Spake2Role::engineer, bytes_of(digits), auth::kSpake2IdEngineer,
                                         auth::kSpake2IdHost, *binding);
  if (!party) co_return false;
  party_.emplace(std::move(*party));
  connection->send(protocol::AuthShare{party_->share()});
  auto share = co_await connection->receive();
  if (!share || !std::holds_alternative<protocol::AuthShare>(*share)) {
    if (share) {
      if (auto* bye = std::get_if<protocol::Goodbye>(&*share)) refusal = bye->message;
    } else {
      refusal = share.error().detail;
    }
    co_return false;
  }
  auto confirm = co_await connection->receive();
  if (!confirm || !std::holds_alternative<protocol::AuthConfirm>(*confirm)) co_return false;
  if (!party_->process_peer_share(std::get<protocol::AuthShare>(*share).share)) co_return true;
  host_confirmation_ = std::get<protocol::AuthConfirm>(*confirm).mac;
  co_return true;
}

asio::awaitable<bool> AttackClient::confirm() {
  // A wrong guess cannot verify the host's MAC; it sends a MAC anyway (an attacker learns nothing more).
  const bool verified = !host_confirmation_.empty() && party_->verify_peer_confirmation(host_confirmation_);
  connection->send(protocol::AuthConfirm{verified ? party_->confirmation() : std::vector<std::uint8_t>(32, 0)});
  auto result = co_await connection->receive();
  co_return result && std::holds_alternative<protocol::AuthResult>(*result) &&
      std::get<protocol::AuthResult>(*result).ok;
}

}  // namespace elfdesk::test
