// The one error type of elfdesk: a category code plus a human-readable detail.
// Used by every layer through std::expected<T, Error>; pure value type, any thread.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace elfdesk {

enum class ErrorCode : std::uint8_t {
  truncated,         // input ended inside a field
  oversized,         // a length or count exceeds its limit
  malformed,         // structurally invalid bytes (bad enum, bad UTF-8, trailing bytes, bad flags)
  unknown_type,      // message type id this version does not know
  version_mismatch,  // peer speaks an incompatible protocol version
  io,                // network or file I/O failure
  tls,               // TLS handshake or record failure
  timeout,           // a deadline expired
  auth_failed,       // wrong, expired or used code, or key confirmation mismatch
  declined,          // the customer said no (or did not answer)
  busy,              // host already has an engineer
  closed,            // peer closed the connection
  unavailable,       // a capability/resource is not present on this machine
  invalid_argument,  // caller-supplied value rejected
  internal,          // bug or unexpected library failure
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string detail;
};

constexpr std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::truncated: return "truncated";
    case ErrorCode::oversized: return "oversized";
    case ErrorCode::malformed: return "malformed";
    case ErrorCode::unknown_type: return "unknown_type";
    case ErrorCode::version_mismatch: return "version_mismatch";
    case ErrorCode::io: return "io";
    case ErrorCode::tls: return "tls";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::auth_failed: return "auth_failed";
    case ErrorCode::declined: return "declined";
    case ErrorCode::busy: return "busy";
    case ErrorCode::closed: return "closed";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

inline Error make_error(ErrorCode code, std::string detail) { return Error{code, std::move(detail)}; }

}  // namespace elfdesk
