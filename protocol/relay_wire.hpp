// The rendezvous protocol spoken to elfdesk-relay over its (outer) TLS 1.3 connection, before the relay
// starts splicing. Pure encode/decode, any thread. After `Spliced` nothing on that connection is parsed
// by the relay again: the bytes are the inner TLS 1.3 + SPAKE2 session, end to end (docs/relay.md).
//
// Framing: u16 big-endian body length (1..kMaxRelayMessage) then the body: u8 RelayMessageType + fields
// (protocol/byte_writer.hpp encodings). One message per frame; trailing bytes are malformed.
//
// Three kinds of outer connection, each starting with exactly one message from the dialler:
//   host control:  Register        -> Registered | Refused ; later Incoming (per join), Ping/Pong both ways
//   host data:     Accept{ticket}  -> Spliced | Refused    ; then raw bytes, spliced to the engineer
//   engineer:      Join{id}        -> Spliced | Refused | Redirect ; then raw bytes, spliced to the host
//   host control, again: Reclaim{id, key} -> Registered{id} | Refused ; then as after Register
// A host whose id carries a running session sends Bind{SHA-256(key)} on its control connection: the id
// then outlives the ttl while that connection lives, and after losing it (the relay restarted, the host's
// network dropped) the host gets the same id back with Reclaim, showing the key. The key is derived from
// the session's resume ticket, which only host and engineer know; it gives the relay nothing that joins
// or resumes the session (docs/security.md, "Relay").
// The relay sends Spliced to the engineer and to the host's data connection only once both are present.
// A host closes its control connection to give up its id (the relay forgets it); a new Register gets a
// new id. Ping carries no data; the receiver answers Pong; a peer that answers nothing is dead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::protocol {

inline constexpr std::uint16_t kRelayProtocolVersion = 1;
inline constexpr std::size_t kMaxRelayMessage = 512;       // body bytes; anything larger is refused
inline constexpr std::size_t kRelayIdDigits = 6;           // the routing half of the 12-digit code
inline constexpr std::size_t kRelayTicketBytes = 32;       // random, single use, names one pending join
inline constexpr std::size_t kMaxRelayText = 200;          // reasons and node addresses, UTF-8
inline constexpr std::size_t kRelayClaimBytes = 32;        // Reclaim's key and Bind's verifier (SHA-256)

enum class RelayMessageType : std::uint8_t {
  register_host = 1,  // host -> relay: version
  registered = 2,     // relay -> host: id (6 ASCII digits), ttl_seconds
  join = 3,           // engineer -> relay: version, id
  incoming = 4,       // relay -> host control: ticket for one engineer who joined its id
  accept = 5,         // host data -> relay: ticket
  spliced = 6,        // relay -> both: from the next byte on, the stream is the peer's
  refused = 7,        // relay -> dialler: reason code + text for people; the relay then closes
  redirect = 8,       // relay -> engineer: the id lives on another node ("host:port"); dial it instead
  ping = 9,           // either way
  pong = 10,          // either way
  bind = 11,          // host control -> relay: verifier = SHA-256(key); the id now carries a session
  reclaim = 12,       // host -> relay (new control connection): version, id, key (its SHA-256 = verifier)
};

enum class RelayRefusal : std::uint8_t {
  no_such_session = 1,  // unknown, expired or already-used id (engineer exit 11)
  rate_limited = 2,     // too many registrations / joins from this address
  capacity = 3,         // node above its session cap
  too_many_joins = 4,   // join attempts for this id are used up
  bad_request = 5,      // malformed or unexpected message
  version = 6,          // unsupported relay protocol version
  ticket_unknown = 7,   // Accept with an unknown or expired ticket
  host_gone = 8,        // the host did not pick up the join in time
  not_yours = 9,        // Reclaim of an id held or bound by someone else (wrong key)
};

struct RelayRegister { std::uint16_t version = kRelayProtocolVersion; };
struct RelayRegistered { std::string id; std::uint32_t ttl_seconds = 0; };
struct RelayJoin { std::uint16_t version = kRelayProtocolVersion; std::string id; };
struct RelayIncoming { std::vector<std::uint8_t> ticket; };  // kRelayTicketBytes
struct RelayAccept { std::vector<std::uint8_t> ticket; };    // kRelayTicketBytes
struct RelaySpliced {};
struct RelayRefused { RelayRefusal reason = RelayRefusal::bad_request; std::string text; };
struct RelayRedirect { std::string node; };  // "host:port"
struct RelayPing {};
struct RelayPong {};
struct RelayBind { std::vector<std::uint8_t> verifier; };  // kRelayClaimBytes
struct RelayReclaim {
  std::uint16_t version = kRelayProtocolVersion;
  std::string id;
  std::vector<std::uint8_t> key;  // kRelayClaimBytes
};

using RelayMessage = std::variant<RelayRegister, RelayRegistered, RelayJoin, RelayIncoming, RelayAccept,
                                  RelaySpliced, RelayRefused, RelayRedirect, RelayPing, RelayPong, RelayBind,
                                  RelayReclaim>;

// Body only (no length prefix). Fails with invalid_argument/oversized for values a reader would refuse
// (an id that is not kRelayIdDigits ASCII digits, a ticket, key or verifier of the wrong size, text over kMaxRelayText).
std::expected<std::vector<std::uint8_t>, Error> encode_relay_body(const RelayMessage& message);
// Length prefix + body, ready to write.
std::expected<std::vector<std::uint8_t>, Error> encode_relay_frame(const RelayMessage& message);
// Parses one body. Checks every field as encode does; unknown type -> unknown_type, extra bytes ->
// malformed, invalid UTF-8 text -> malformed.
std::expected<RelayMessage, Error> decode_relay_body(std::span<const std::uint8_t> body);

// Reads the u16 length prefix: oversized above kMaxRelayMessage, malformed for 0.
std::expected<std::size_t, Error> relay_body_length(std::uint8_t high, std::uint8_t low);

// For logs and metrics: "no_such_session" etc.; null for a value that is no refusal.
const char* refusal_name(RelayRefusal reason);

// For people: "no support session with this code: expired, already used, or mistyped?" etc.
const char* describe(RelayRefusal reason);

}  // namespace elfdesk::protocol
