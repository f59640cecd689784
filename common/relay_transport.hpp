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
#include <span>
#include <vector>
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
  // The id is gone with it, unless a session holds it (hold()): then it is reclaimed on the next try.
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
  // A session now uses the current id: keep it. Sends Bind{SHA-256(key)} (the relay then keeps the id
  // past its ttl) and, whenever the control connection is lost (the relay restarted, our network
  // dropped), registers again with Reclaim{id, key} instead of Register, so the engineer finds the
  // session under the same id. `key` is relay_claim_key(); false when no id is registered now.
  bool hold(std::vector<std::uint8_t> key);
  // The session ended: the next registration is a fresh one again.
  void release_hold();
  bool holding() const;
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
// `resuming`: the engineer re-joins a running session after a drop; an unknown id is then io (retry: the
// relay may have restarted and the host not reclaimed its id yet), not the final auth_failed.
asio::awaitable<std::expected<TransportLink, Error>> join_through_relay(asio::ssl::context& relay_tls,
                                                                        RelayEndpoint relay, std::string id,
                                                                        RelayTimings timings = {},
                                                                        bool resuming = false);

// The key that reclaims a session's relay id: SHA-256("elfdesk relay claim v1" || resume ticket). The
// ticket travels only inside the session's inner TLS, so only host and engineer can compute it; the
// relay learns the key but nothing that authenticates, resumes or joins the session.
std::vector<std::uint8_t> relay_claim_key(std::span<const std::uint8_t> resume_ticket);
std::vector<std::uint8_t> relay_claim_verifier(std::span<const std::uint8_t> key);  // SHA-256, as Bind

// The Error an endpoint reports for a relay's refusal (see join_through_relay).
Error relay_refusal_error(const protocol::RelayRefused& refused);

}  // namespace elfdesk
