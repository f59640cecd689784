// The engineer's TLS context without exceptions: OpenSSL failures at start-up become an Error, so no
// command (nor the viewer's network thread, where a throw would be std::terminate) lets one escape.
// Any thread; the context is the caller's.
#pragma once
#include <asio/ssl/context.hpp>

#include <expected>

#include "protocol/error.hpp"

namespace elfdesk::client {

// ErrorCode::tls with OpenSSL's reason when the context cannot be built.
std::expected<asio::ssl::context, Error> engineer_tls_context();

}  // namespace elfdesk::client
