// Network pieces of the relay load generator: TLS 1.3 contexts, dialling from a chosen loopback source
// address, and relay-wire frames (protocol/relay_wire.hpp) over a TLS stream. One io_context thread.
// Benchmark code: the client does not verify the relay's throwaway certificate (the product does).
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "protocol/relay_wire.hpp"

namespace elfdesk::bench {

using Tls = asio::ssl::stream<asio::ip::tcp::socket>;
using TlsPtr = std::unique_ptr<Tls>;

std::expected<asio::ip::tcp::endpoint, std::string> parse_endpoint(const std::string& text);

// TLS 1.3 only, like the product's outer TLS. Throw on a bad certificate (start-up only).
asio::ssl::context make_client_context();
asio::ssl::context make_server_context(const std::string& cert_pem, const std::string& key_pem);

// Connects (from `source` if given), sets TCP_NODELAY, completes the TLS handshake.
asio::awaitable<std::expected<TlsPtr, std::string>> dial_tls(asio::ssl::context& context,
                                                             asio::ip::tcp::endpoint target,
                                                             std::optional<asio::ip::address> source);

// By value, and callers pass named messages: g++ 12 mishandles a converted temporary that lives across
// a co_await (it destroyed the wrong variant alternative).
asio::awaitable<std::expected<void, std::string>> write_relay(Tls& stream, protocol::RelayMessage message);
asio::awaitable<std::expected<protocol::RelayMessage, std::string>> read_relay(Tls& stream);

// Relay replies the generator did not expect, for people ("refused: capacity: ...").
std::string describe_unexpected(const protocol::RelayMessage& message);

}  // namespace elfdesk::bench
