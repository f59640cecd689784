// TLS 1.3 contexts for host and engineer, and the channel binding that ties SPAKE2 to a connection.
// Contexts are built once at start-up and shared read-only by the network thread's streams.
// Roles are fixed whoever dials: the host is always the TLS server, the engineer always the TLS
// client, also in reverse mode (host connects out to a listening engineer): TCP role != TLS role.
#pragma once
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::auth {

inline constexpr std::string_view kChannelBindingLabel = "EXPORTER-elfdesk-spake2-binding";
inline constexpr std::size_t kChannelBindingSize = 32;

// TLS 1.3 only, server side. A fresh P-256 key and self-signed certificate are made in memory for
// each call (never written to disk): they carry no identity, the SPAKE2 code does. No session
// tickets or resumption: every connection is a full handshake with its own exporter secret.
// Throws std::runtime_error (or asio::system_error) if OpenSSL cannot build it: start-up only.
asio::ssl::context make_host_tls_context();

// TLS 1.3 only, client side, with certificate verification off. There is no PKI to verify the
// host's throwaway certificate against; instead the host is authenticated by SPAKE2 whose key
// confirmation covers export_channel_binding() of this very connection. A man in the middle
// terminating TLS has two connections with different exporter values, so confirmation fails
// unless he also knows the code, and guessing it online is capped at 5 tries per code.
// Throws like make_host_tls_context(): start-up only.
asio::ssl::context make_engineer_tls_context();

// RFC 8446 section 7.5 exporter (label kChannelBindingLabel, no context, 32 bytes) of a completed
// TLS 1.3 handshake. Both ends get the same value; every connection gets a different one.
// Errors: tls if the handshake is not finished or the version is not TLS 1.3.
std::expected<std::vector<std::uint8_t>, Error> export_channel_binding(
    asio::ssl::stream<asio::ip::tcp::socket>& stream);

// Same for any asio::ssl::stream (e.g. a socket with a default completion token).
std::expected<std::vector<std::uint8_t>, Error> export_channel_binding_native(
    asio::ssl::stream<asio::ip::tcp::socket>::native_handle_type ssl);
template <class NextLayer>
std::expected<std::vector<std::uint8_t>, Error> export_channel_binding(asio::ssl::stream<NextLayer>& stream) {
  return export_channel_binding_native(stream.native_handle());
}

}  // namespace elfdesk::auth
