#include "bench/relay/load_net.hpp"

#include <array>
#include <vector>

#include <asio/experimental/as_tuple.hpp>

namespace elfdesk::bench {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

std::expected<asio::ip::tcp::endpoint, std::string> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::unexpected("expected ADDR:PORT, got " + text);
  asio::error_code ec;
  const auto address = asio::ip::make_address(text.substr(0, colon), ec);
  if (ec) return std::unexpected("bad address in " + text);
  const auto port = std::stoul(text.substr(colon + 1));
  if (port == 0 || port > 65535) return std::unexpected("bad port in " + text);
  return asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

asio::ssl::context make_client_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION);
  context.set_verify_mode(asio::ssl::verify_none);
  return context;
}

asio::ssl::context make_server_context(const std::string& cert_pem, const std::string& key_pem) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION);
  context.use_certificate_chain_file(cert_pem);
  context.use_private_key_file(key_pem, asio::ssl::context::pem);
  return context;
}

asio::awaitable<std::expected<TlsPtr, std::string>> dial_tls(asio::ssl::context& context,
                                                             asio::ip::tcp::endpoint target,
                                                             std::optional<asio::ip::address> source) {
  auto executor = co_await asio::this_coro::executor;
  auto stream = std::make_unique<Tls>(executor, context);
  auto& socket = stream->next_layer();
  asio::error_code ec;
  socket.open(target.protocol(), ec);
  if (!ec && source) socket.bind(asio::ip::tcp::endpoint(*source, 0), ec);
  if (ec) co_return std::unexpected("socket: " + ec.message());
  if (auto [connect_ec] = co_await socket.async_connect(target, kTuple); connect_ec)
    co_return std::unexpected("connect: " + connect_ec.message());
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (auto [tls_ec] = co_await stream->async_handshake(asio::ssl::stream_base::client, kTuple); tls_ec)
    co_return std::unexpected("tls handshake: " + tls_ec.message());
  co_return stream;
}

asio::awaitable<std::expected<void, std::string>> write_relay(Tls& stream, protocol::RelayMessage message) {
  auto frame = protocol::encode_relay_frame(message);
  if (!frame) co_return std::unexpected("encode: " + frame.error().detail);
  if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(*frame), kTuple); ec)
    co_return std::unexpected("write: " + ec.message());
  co_return std::expected<void, std::string>{};
}

asio::awaitable<std::expected<protocol::RelayMessage, std::string>> read_relay(Tls& stream) {
  std::array<std::uint8_t, 2> prefix{};
  if (auto [ec, n] = co_await asio::async_read(stream, asio::buffer(prefix), kTuple); ec)
    co_return std::unexpected("read: " + ec.message());
  const auto length = protocol::relay_body_length(prefix[0], prefix[1]);
  if (!length) co_return std::unexpected("bad frame length: " + length.error().detail);
  std::vector<std::uint8_t> body(*length);
  if (auto [ec, n] = co_await asio::async_read(stream, asio::buffer(body), kTuple); ec)
    co_return std::unexpected("read: " + ec.message());
  auto message = protocol::decode_relay_body(body);
  if (!message) co_return std::unexpected("decode: " + message.error().detail);
  co_return std::move(*message);
}

std::string describe_unexpected(const protocol::RelayMessage& message) {
  if (const auto* refused = std::get_if<protocol::RelayRefused>(&message))
    return std::string("refused: ") + protocol::describe(refused->reason) + ": " + refused->text;
  if (const auto* redirect = std::get_if<protocol::RelayRedirect>(&message))
    return "redirect to " + redirect->node + " (the benchmark runs one node)";
  return "unexpected relay message type " + std::to_string(message.index() + 1);
}

}  // namespace elfdesk::bench
