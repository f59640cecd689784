#include "client/core/tls_setup.hpp"

#include <exception>
#include <string>

#include "common/auth/tls_context.hpp"

namespace elfdesk::client {

std::expected<asio::ssl::context, Error> engineer_tls_context() {
  try {
    return auth::make_engineer_tls_context();
  } catch (const std::exception& e) {  // the factory throws (std::runtime_error, asio::system_error)
    return std::unexpected(make_error(ErrorCode::tls, std::string("cannot set up TLS: ") + e.what()));
  }
}

}  // namespace elfdesk::client
