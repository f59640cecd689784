#include "relay/wire_io.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace elfdesk::relay {

asio::awaitable<std::expected<protocol::RelayMessage, Error>> read_relay_message(TlsSocket& tls) {
  std::array<std::uint8_t, 2> head{};
  if (auto ec = co_await tls.read_exact(head); ec) {
    if (ec == asio::error::eof) co_return std::unexpected(make_error(ErrorCode::closed, "connection closed"));
    co_return std::unexpected(make_error(ErrorCode::io, "reading: " + ec.message()));
  }
  auto length = protocol::relay_body_length(head[0], head[1]);
  if (!length) co_return std::unexpected(length.error());
  std::array<std::uint8_t, protocol::kMaxRelayMessage> body{};
  if (auto ec = co_await tls.read_exact(std::span(body.data(), *length)); ec)
    co_return std::unexpected(make_error(ErrorCode::io, "reading: " + ec.message()));
  co_return protocol::decode_relay_body(std::span(body.data(), *length));
}

asio::awaitable<std::error_code> write_relay_message(TlsSocket& tls, const protocol::RelayMessage& message) {
  auto frame = protocol::encode_relay_frame(message);
  if (!frame) co_return std::make_error_code(std::errc::invalid_argument);
  co_return co_await tls.write_all(*frame);
}

}  // namespace elfdesk::relay
