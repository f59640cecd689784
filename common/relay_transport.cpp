#include "common/relay_transport.hpp"

#include <deque>
#include <optional>
#include <variant>

#include <asio/experimental/as_tuple.hpp>
#include <openssl/evp.h>

#include "common/cli_args.hpp"

namespace elfdesk {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
// Joins waiting for our data connection. More than this and the relay (which rate-limits joins) is not
// behaving: the newest are dropped (those engineers hear host_gone from the relay) rather than queued.
constexpr std::size_t kMaxWaitingJoins = 16;

Error unexpected_message(const std::string& where, const char* expected) {
  return make_error(ErrorCode::malformed, "the relay " + where + " sent something other than " + expected);
}

TransportLink relayed_link(ByteStream stream, const std::string& where) {
  // The relay does not tell who is on the other end: every relayed peer shares the address "relay",
  // so per-address limits treat all of them like one stranger (docs/security.md).
  return TransportLink{std::move(stream), "relay " + where, "relay"};
}

}  // namespace

RelayCode split_relay_code(const std::string& digits) {
  const auto half = protocol::kRelayIdDigits;
  if (digits.size() < half) return {digits, {}};
  return {digits.substr(0, half), digits.substr(half)};
}

Error relay_refusal_error(const protocol::RelayRefused& refused) {
  using protocol::RelayRefusal;
  const std::string text = refused.text.empty() ? protocol::describe(refused.reason) : refused.text;
  switch (refused.reason) {
    case RelayRefusal::no_such_session:
    case RelayRefusal::too_many_joins:  // the words people need, whatever the relay adds
      return make_error(ErrorCode::auth_failed, protocol::describe(refused.reason));
    case RelayRefusal::version: return make_error(ErrorCode::version_mismatch, "the relay refused: " + text);
    case RelayRefusal::bad_request: return make_error(ErrorCode::malformed, "the relay refused: " + text);
    default: return make_error(ErrorCode::io, "the relay refused: " + text);
  }
}

std::vector<std::uint8_t> sha256(std::string_view prefix, std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) == 1 &&
                  EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 && EVP_DigestFinal_ex(ctx, digest.data(), &size) == 1;
  EVP_MD_CTX_free(ctx);
  digest.resize(ok ? size : 0);
  return digest;
}

std::vector<std::uint8_t> relay_claim_key(std::span<const std::uint8_t> resume_ticket) {
  return sha256("elfdesk relay claim v1", resume_ticket);
}

std::vector<std::uint8_t> relay_claim_verifier(std::span<const std::uint8_t> key) { return sha256("", key); }

struct RelayHostTransport::State : std::enable_shared_from_this<State> {
  asio::any_io_executor executor;
  asio::ssl::context& tls;
  RelayEndpoint relay;
  RelayHostEvents events;
  RelayTimings timings;
  std::shared_ptr<RelayLink> control;         // registered, or null
  std::deque<std::vector<std::uint8_t>> tickets;  // engineers waiting for our data connection
  asio::steady_timer wake{executor};          // next() sleeps on it until a ticket comes
  asio::steady_timer pause{executor};         // between attempts to reach the relay
  std::string id;                              // the registered id, empty while not registered
  struct Hold {
    std::string id;
    std::vector<std::uint8_t> key;
  };
  std::optional<Hold> hold;                    // a session uses `hold->id`: reclaim it, never a new one
  bool closed = false;
  bool renewing = false;

  State(asio::any_io_executor e, asio::ssl::context& t, RelayEndpoint r, RelayHostEvents ev, RelayTimings ti)
      : executor(std::move(e)), tls(t), relay(std::move(r)), events(std::move(ev)), timings(ti) {
    if (relay.verify_name.empty()) relay.verify_name = relay.host;
  }
  std::string where() const { return relay.host + ":" + std::to_string(relay.port); }

  asio::awaitable<void> control_loop();
  asio::awaitable<std::optional<Error>> register_and_serve();
  void send_bind();
  asio::awaitable<Error> serve(std::shared_ptr<RelayLink> link);
  asio::awaitable<void> keep_alive(std::shared_ptr<RelayLink> link, std::shared_ptr<asio::steady_timer> timer);
  asio::awaitable<std::expected<TransportLink, Error>> pick_up(std::vector<std::uint8_t> ticket);
};

asio::awaitable<void> RelayHostTransport::State::control_loop() {
  auto self = shared_from_this();
  auto backoff = timings.first_retry;
  while (!closed) {
    auto failure = co_await register_and_serve();
    if (closed) break;
    if (!failure) {  // renewed on purpose, or registered then lost: start the back-off afresh
      backoff = timings.first_retry;
      continue;
    }
    if (events.on_lost) events.on_lost(*failure, backoff);
    pause.expires_after(backoff);
    co_await pause.async_wait(kTuple);
    backoff = std::min(backoff * 2, timings.max_retry);
  }
}

// One registration: dial, Register, Registered, then serve it until it ends. Nothing when it ended
// because renew() asked for a new id; otherwise why it ended (reported as a loss).
asio::awaitable<std::optional<Error>> RelayHostTransport::State::register_and_serve() {
  auto link = co_await RelayLink::dial(tls, relay, timings.connect);
  if (!link) co_return link.error();
  const std::string reclaim_id = hold ? hold->id : std::string();  // hold may be released meanwhile
  const bool reclaiming = !reclaim_id.empty();
  const protocol::RelayMessage request = reclaiming ? protocol::RelayMessage{protocol::RelayReclaim{
                                                          protocol::kRelayProtocolVersion, hold->id, hold->key}}
                                                    : protocol::RelayMessage{protocol::RelayRegister{}};
  if (auto sent = (*link)->send(request); !sent) co_return sent.error();
  auto reply = co_await (*link)->receive(timings.answer);
  if (!reply) co_return reply.error();
  if (const auto* refused = std::get_if<protocol::RelayRefused>(&*reply)) {
    (*link)->close();
    const std::string text = refused->text.empty() ? protocol::describe(refused->reason) : refused->text;
    if (reclaiming && refused->reason == protocol::RelayRefusal::not_yours) {
      if (hold && hold->id == reclaim_id) hold.reset();  // someone else has the id now: the session cannot be found through the relay any more
      co_return make_error(ErrorCode::io, "the relay " + where() + " gave the session's id to someone else (" + text +
                                              "); it cannot resume through the relay");
    }
    co_return make_error(ErrorCode::io, "the relay " + where() + " refused to register us: " + text);
  }
  const auto* registered = std::get_if<protocol::RelayRegistered>(&*reply);
  if (!registered || (reclaiming && registered->id != reclaim_id)) {
    (*link)->close();
    co_return unexpected_message(where(), reclaiming ? "Registered with our id" : "Registered");
  }
  if (closed) co_return std::nullopt;  // close() came while we registered: nobody wants the id now
  control = *link;
  id = registered->id;
  tickets.clear();  // joins for an earlier id can no longer be picked up
  renewing = false;
  if (events.on_registered) events.on_registered(registered->id, std::chrono::seconds(registered->ttl_seconds));
  Error why = co_await serve(*link);
  control.reset();
  id.clear();
  (*link)->close();
  if (renewing || closed) {
    renewing = false;
    co_return std::nullopt;
  }
  co_return why;
}

asio::awaitable<Error> RelayHostTransport::State::serve(std::shared_ptr<RelayLink> link) {
  auto timer = std::make_shared<asio::steady_timer>(executor);
  asio::co_spawn(executor, keep_alive(link, timer), asio::detached);
  struct StopPings {
    std::shared_ptr<asio::steady_timer> timer;
    ~StopPings() { timer->cancel(); }
  } stop_pings{timer};
  while (true) {
    auto message = co_await link->receive(timings.dead_after);
    if (!message) co_return message.error();
    if (const auto* incoming = std::get_if<protocol::RelayIncoming>(&*message)) {
      if (tickets.size() < kMaxWaitingJoins) tickets.push_back(incoming->ticket);
      wake.cancel();
    } else if (std::holds_alternative<protocol::RelayPing>(*message)) {
      (void)link->send(protocol::RelayPong{});
    } else if (const auto* refused = std::get_if<protocol::RelayRefused>(&*message)) {
      co_return make_error(ErrorCode::io, "the relay dropped our registration: " +
                                              (refused->text.empty() ? protocol::describe(refused->reason) : refused->text));
    } else if (!std::holds_alternative<protocol::RelayPong>(*message)) {
      co_return unexpected_message(where(), "Incoming, Ping or Pong");
    }
  }
}

// Pings the relay every ping_every: its Pong (or anything else) keeps serve()'s dead_after from expiring.
asio::awaitable<void> RelayHostTransport::State::keep_alive(std::shared_ptr<RelayLink> link,
                                                            std::shared_ptr<asio::steady_timer> timer) {
  auto self = shared_from_this();
  while (link->is_open()) {
    timer->expires_after(timings.ping_every);
    auto [ec] = co_await timer->async_wait(kTuple);
    if (ec || !link->is_open()) break;
    (void)link->send(protocol::RelayPing{});
  }
}

// A data connection to the node that holds our control connection (a name behind DNS may lead to
// another node), verified against the relay's name, then Accept{ticket} and Spliced.
asio::awaitable<std::expected<TransportLink, Error>> RelayHostTransport::State::pick_up(std::vector<std::uint8_t> ticket) {
  RelayEndpoint node = relay;
  if (control && !control->peer_address().empty() && control->peer_address() != "unknown")
    node.host = control->peer_address();
  auto link = co_await RelayLink::dial(tls, node, timings.connect);
  if (!link) co_return std::unexpected(link.error());
  if (auto sent = (*link)->send(protocol::RelayAccept{std::move(ticket)}); !sent) co_return std::unexpected(sent.error());
  auto reply = co_await (*link)->receive(timings.answer);
  if (!reply) co_return std::unexpected(reply.error());
  if (std::holds_alternative<protocol::RelaySpliced>(*reply)) {
    auto stream = (*link)->splice();
    if (!stream) co_return std::unexpected(stream.error());
    co_return relayed_link(std::move(*stream), where());
  }
  (*link)->close();
  if (const auto* refused = std::get_if<protocol::RelayRefused>(&*reply))
    co_return std::unexpected(make_error(ErrorCode::io, "the relay refused a join: " +
                                                            (refused->text.empty() ? protocol::describe(refused->reason) : refused->text)));
  co_return std::unexpected(unexpected_message(where(), "Spliced"));
}

RelayHostTransport::RelayHostTransport(asio::any_io_executor executor, asio::ssl::context& relay_tls,
                                       RelayEndpoint relay, RelayHostEvents events, RelayTimings timings)
    : state_(std::make_shared<State>(std::move(executor), relay_tls, std::move(relay), std::move(events), timings)) {}

RelayHostTransport::~RelayHostTransport() { close(); }

void RelayHostTransport::start() { asio::co_spawn(state_->executor, state_->control_loop(), asio::detached); }

void RelayHostTransport::State::send_bind() {
  if (!control || !hold) return;
  (void)control->send(protocol::RelayBind{relay_claim_verifier(hold->key)});
}

bool RelayHostTransport::hold(std::vector<std::uint8_t> key) {
  auto& s = *state_;
  if (s.id.empty() || key.size() != protocol::kRelayClaimBytes) return false;
  s.hold = State::Hold{s.id, std::move(key)};
  s.send_bind();
  return true;
}

void RelayHostTransport::release_hold() { state_->hold.reset(); }

bool RelayHostTransport::holding() const { return state_->hold.has_value(); }

void RelayHostTransport::renew() {
  if (!state_->control) return;  // not registered: the registration under way gets a new id anyway
  state_->renewing = true;
  state_->control->close();
}

asio::awaitable<std::expected<TransportLink, Error>> RelayHostTransport::next() {
  auto s = state_;
  while (!s->closed) {
    if (s->tickets.empty()) {
      s->wake.expires_at(asio::steady_timer::time_point::max());
      co_await s->wake.async_wait(kTuple);
      continue;
    }
    auto ticket = std::move(s->tickets.front());
    s->tickets.pop_front();
    co_return co_await s->pick_up(std::move(ticket));
  }
  co_return std::unexpected(make_error(ErrorCode::closed, "transport closed"));
}

void RelayHostTransport::close() {
  auto& s = *state_;
  s.closed = true;
  s.wake.cancel();
  s.pause.cancel();
  if (s.control) s.control->close();
}

asio::awaitable<std::expected<TransportLink, Error>> join_through_relay(asio::ssl::context& relay_tls,
                                                                        RelayEndpoint relay, std::string id,
                                                                        RelayTimings timings, bool resuming) {
  if (relay.verify_name.empty()) relay.verify_name = relay.host;
  for (int hop = 0; hop < 2; ++hop) {
    auto link = co_await RelayLink::dial(relay_tls, relay, timings.connect);
    if (!link) co_return std::unexpected(link.error());
    if (auto sent = (*link)->send(protocol::RelayJoin{protocol::kRelayProtocolVersion, id}); !sent)
      co_return std::unexpected(sent.error());
    // The relay answers once the host has picked up (or given up: host_gone), so allow for both legs.
    auto reply = co_await (*link)->receive(timings.answer + timings.connect);
    if (!reply) co_return std::unexpected(reply.error());
    if (std::holds_alternative<protocol::RelaySpliced>(*reply)) {
      auto stream = (*link)->splice();
      if (!stream) co_return std::unexpected(stream.error());
      co_return relayed_link(std::move(*stream), (*link)->where());
    }
    (*link)->close();
    if (const auto* refused = std::get_if<protocol::RelayRefused>(&*reply)) {
      if (resuming && refused->reason == protocol::RelayRefusal::no_such_session)
        co_return std::unexpected(make_error(ErrorCode::io, "the relay does not know the session yet (it may have "
                                                            "restarted; the customer's computer registers it again)"));
      co_return std::unexpected(relay_refusal_error(*refused));
    }
    const auto* redirect = std::get_if<protocol::RelayRedirect>(&*reply);
    if (!redirect) co_return std::unexpected(unexpected_message((*link)->where(), "Spliced, Refused or Redirect"));
    if (hop == 1) co_return std::unexpected(make_error(ErrorCode::io, "the relay redirected us twice; giving up"));
    auto node = parse_host_port(redirect->node);
    if (!node) co_return std::unexpected(make_error(ErrorCode::malformed, "the relay redirected us to a bad address: " +
                                                                              node.error().detail));
    // Every node serves the same certificate (the relay's name), so the same verify_name applies.
    std::tie(relay.host, relay.port) = *node;
  }
  co_return std::unexpected(make_error(ErrorCode::internal, "unreachable"));
}

}  // namespace elfdesk
