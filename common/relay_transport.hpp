// Sessions through elfdesk-relay. Host: RelayHostTransport keeps a registered control connection (its
// id is the first half of the code), and each next() is one engineer who joined: a data connection,
// Accept, Spliced, then a socketpair stream like any other transport's. Engineer: join_through_relay()
// dials, sends Join (following one Redirect) and returns the spliced stream. The inner TLS + SPAKE2
// runs over these streams unchanged. Network thread only; the relay's TLS context is the caller's.
#pragma once
#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "common/relay_link.hpp"
#include "common/transport.hpp"
#include "protocol/error.hpp"

namespace elfdesk {

inline constexpr std::size_t kRelaySecretDigits = 6;  // the code's last half, never sent anywhere

// The relay half and the secret half of a 12-digit relay code ("123456" "789012").
struct RelayCode {
  std::string id;
  std::string secret;
};
RelayCode split_relay_code(const std::string& digits);

struct RelayTimings {
  std::chrono::milliseconds connect{10000};       // TCP, and again TLS, per outer connection
  std::chrono::milliseconds answer{10000};        // Registered / Spliced after our message
  std::chrono::milliseconds ping_every{15000};    // on the control connection
  std::chrono::milliseconds dead_after{45000};    // nothing from the relay for this long: it is gone
  std::chrono::milliseconds first_retry{1000};    // after a loss; doubling up to max_retry
  std::chrono::milliseconds max_retry{30000};
};

// What the host is told about its registration (network thread).
struct RelayHostEvents {
  // Registered (again): a new id, valid at the relay for `ttl`.
  std::function<void(const std::string& id, std::chrono::seconds ttl)> on_registered;
  // The relay could not be reached, refused, or the control connection died; retrying in `retry_in`.
  // The id is gone with it.
  std::function<void(const Error& why, std::chrono::milliseconds retry_in)> on_lost;
};

class RelayHostTransport final : public Transport {
 public:
  RelayHostTransport(asio::any_io_executor executor, asio::ssl::context& relay_tls, RelayEndpoint relay,
                     RelayHostEvents events, RelayTimings timings = {});
  ~RelayHostTransport() override;
  // Starts registering (and re-registering after losses) until close().
  void start();
  // Gives up the current id (closing the control connection) and registers again: a new id. The
  // host does this whenever its code rotates.
  void renew();
  // The next engineer who joined our id, spliced. An error (the data connection failed, the relay
  // refused the ticket) leaves the transport usable.
  asio::awaitable<std::expected<TransportLink, Error>> next() override;
  void close() override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The engineer's side: Join{id} at `relay` (one Redirect followed, verified against the same name).
// Refusals: no_such_session / too_many_joins -> auth_failed with the message for people (exit 11),
// version / bad_request -> version_mismatch / malformed, the rest -> io with the relay's text (exit 10).
asio::awaitable<std::expected<TransportLink, Error>> join_through_relay(asio::ssl::context& relay_tls,
                                                                        RelayEndpoint relay, std::string id,
                                                                        RelayTimings timings = {});

// The Error an endpoint reports for a relay's refusal (see join_through_relay).
Error relay_refusal_error(const protocol::RelayRefused& refused);

}  // namespace elfdesk
