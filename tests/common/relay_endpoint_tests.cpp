// The endpoints' side of the relay contract that needs no relay: how a code splits into the public id
// and the secret, what each refusal means to the engineer (exit codes), and that the relay's TLS
// context refuses a CA file it cannot load.
#include <doctest/doctest.h>

#include "common/relay_transport.hpp"

using namespace elfdesk;
using protocol::RelayRefusal;

TEST_CASE("a relay code is 6 digits of id, then 6 of secret") {
  const auto code = split_relay_code("123456789012");
  CHECK(code.id == "123456");
  CHECK(code.secret == "789012");
  CHECK(code.id.size() == protocol::kRelayIdDigits);
  CHECK(code.secret.size() == kRelaySecretDigits);
}

TEST_CASE("refusals map to the engineer's exit codes: unknown session is authentication, the rest network") {
  const auto unknown = relay_refusal_error({RelayRefusal::no_such_session, "whatever the relay says"});
  CHECK(unknown.code == ErrorCode::auth_failed);  // exit 11
  CHECK(unknown.detail == "no support session with this code: expired, already used, or mistyped?");
  const auto tried = relay_refusal_error({RelayRefusal::too_many_joins, ""});
  CHECK(tried.code == ErrorCode::auth_failed);
  // Said once (seen by hand: "this code was tried too often (too many attempts for this code: ask the customer
  // for a new one): ask the customer for a new one").
  CHECK(tried.detail == "too many attempts for this code: ask the customer for a new one");
  for (auto reason : {RelayRefusal::rate_limited, RelayRefusal::capacity, RelayRefusal::host_gone,
                      RelayRefusal::ticket_unknown}) {
    const auto e = relay_refusal_error({reason, "the relay's words"});
    CHECK(e.code == ErrorCode::io);  // exit 10
    CHECK(e.detail.find("the relay's words") != std::string::npos);
  }
  CHECK(relay_refusal_error({RelayRefusal::version, "v2 only"}).code == ErrorCode::version_mismatch);
  CHECK(relay_refusal_error({RelayRefusal::bad_request, "?"}).code == ErrorCode::malformed);
}

TEST_CASE("the relay's TLS context: system trust by default, a missing CA file is a clear error") {
  CHECK(make_relay_tls_context(""));
  auto missing = make_relay_tls_context("/nonexistent/ca.pem");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::invalid_argument);
  CHECK(missing.error().detail.find("/nonexistent/ca.pem") != std::string::npos);
}
