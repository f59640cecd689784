#include "protocol/relay_wire.hpp"

#include <algorithm>
#include <type_traits>

#include "protocol/byte_reader.hpp"
#include "protocol/byte_writer.hpp"
#include "protocol/utf8.hpp"

namespace elfdesk::protocol {

namespace {

std::unexpected<Error> invalid(ErrorCode code, const std::string& what) {
  return std::unexpected(make_error(code, "relay message: " + what));
}

bool is_relay_id(std::string_view id) {
  return id.size() == kRelayIdDigits && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_refusal(std::uint8_t value) {
  return value >= static_cast<std::uint8_t>(RelayRefusal::no_such_session) &&
         value <= static_cast<std::uint8_t>(RelayRefusal::not_yours);
}

// The checks shared by encode and decode, so a writer never emits what a reader refuses.
std::expected<void, Error> check_id(std::string_view id) {
  if (!is_relay_id(id)) return invalid(ErrorCode::malformed, "an id is 6 ASCII digits");
  return {};
}

std::expected<void, Error> check_ticket(const std::vector<std::uint8_t>& ticket) {
  if (ticket.size() != kRelayTicketBytes) return invalid(ErrorCode::malformed, "a ticket is 32 bytes");
  return {};
}

std::expected<void, Error> check_claim(const std::vector<std::uint8_t>& claim) {
  if (claim.size() != kRelayClaimBytes) return invalid(ErrorCode::malformed, "a key or verifier is 32 bytes");
  return {};
}

std::expected<void, Error> check_text(std::string_view text) {
  if (text.size() > kMaxRelayText) return invalid(ErrorCode::oversized, "text longer than 200 bytes");
  if (!is_valid_utf8(text)) return invalid(ErrorCode::malformed, "text is not UTF-8");
  return {};
}

template <class T>
constexpr RelayMessageType type_of() {
  if constexpr (std::is_same_v<T, RelayRegister>) return RelayMessageType::register_host;
  else if constexpr (std::is_same_v<T, RelayRegistered>) return RelayMessageType::registered;
  else if constexpr (std::is_same_v<T, RelayJoin>) return RelayMessageType::join;
  else if constexpr (std::is_same_v<T, RelayIncoming>) return RelayMessageType::incoming;
  else if constexpr (std::is_same_v<T, RelayAccept>) return RelayMessageType::accept;
  else if constexpr (std::is_same_v<T, RelaySpliced>) return RelayMessageType::spliced;
  else if constexpr (std::is_same_v<T, RelayRefused>) return RelayMessageType::refused;
  else if constexpr (std::is_same_v<T, RelayRedirect>) return RelayMessageType::redirect;
  else if constexpr (std::is_same_v<T, RelayPing>) return RelayMessageType::ping;
  else if constexpr (std::is_same_v<T, RelayPong>) return RelayMessageType::pong;
  else if constexpr (std::is_same_v<T, RelayBind>) return RelayMessageType::bind;
  else return RelayMessageType::reclaim;
}

std::expected<void, Error> write_fields(ByteWriter& w, const RelayMessage& message) {
  return std::visit(
      [&](const auto& m) -> std::expected<void, Error> {
        using T = std::decay_t<decltype(m)>;
        w.u8(static_cast<std::uint8_t>(type_of<T>()));
        if constexpr (std::is_same_v<T, RelayRegister>) {
          w.u16(m.version);
        } else if constexpr (std::is_same_v<T, RelayRegistered>) {
          if (auto ok = check_id(m.id); !ok) return ok;
          w.raw(std::span(reinterpret_cast<const std::uint8_t*>(m.id.data()), m.id.size()));
          w.u32(m.ttl_seconds);
        } else if constexpr (std::is_same_v<T, RelayJoin>) {
          if (auto ok = check_id(m.id); !ok) return ok;
          w.u16(m.version);
          w.raw(std::span(reinterpret_cast<const std::uint8_t*>(m.id.data()), m.id.size()));
        } else if constexpr (std::is_same_v<T, RelayIncoming> || std::is_same_v<T, RelayAccept>) {
          if (auto ok = check_ticket(m.ticket); !ok) return ok;
          w.raw(m.ticket);
        } else if constexpr (std::is_same_v<T, RelayRefused>) {
          if (!is_refusal(static_cast<std::uint8_t>(m.reason))) return invalid(ErrorCode::malformed, "unknown refusal");
          if (auto ok = check_text(m.text); !ok) return ok;
          w.u8(static_cast<std::uint8_t>(m.reason));
          return w.string(m.text, kMaxRelayText);
        } else if constexpr (std::is_same_v<T, RelayRedirect>) {
          if (m.node.empty()) return invalid(ErrorCode::malformed, "a redirect names a node");
          if (auto ok = check_text(m.node); !ok) return ok;
          return w.string(m.node, kMaxRelayText);
        } else if constexpr (std::is_same_v<T, RelayBind>) {
          if (auto ok = check_claim(m.verifier); !ok) return ok;
          w.raw(m.verifier);
        } else if constexpr (std::is_same_v<T, RelayReclaim>) {
          if (auto ok = check_id(m.id); !ok) return ok;
          if (auto ok = check_claim(m.key); !ok) return ok;
          w.u16(m.version);
          w.raw(std::span(reinterpret_cast<const std::uint8_t*>(m.id.data()), m.id.size()));
          w.raw(m.key);
        }
        return {};
      },
      message);
}

std::expected<std::string, Error> read_id(ByteReader& r) {
  auto bytes = r.bytes(kRelayIdDigits);
  if (!bytes) return std::unexpected(bytes.error());
  std::string id(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (auto ok = check_id(id); !ok) return std::unexpected(ok.error());
  return id;
}

std::expected<std::vector<std::uint8_t>, Error> read_bytes(ByteReader& r, std::size_t size) {
  auto bytes = r.bytes(size);
  if (!bytes) return std::unexpected(bytes.error());
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

std::expected<std::string, Error> read_text(ByteReader& r) {
  auto text = r.string(kMaxRelayText);
  if (!text) return std::unexpected(text.error());
  if (auto ok = check_text(*text); !ok) return std::unexpected(ok.error());
  return text;
}

std::expected<RelayMessage, Error> read_fields(RelayMessageType type, ByteReader& r) {
  switch (type) {
    case RelayMessageType::register_host: {
      auto version = r.u16();
      if (!version) return std::unexpected(version.error());
      return RelayRegister{*version};
    }
    case RelayMessageType::registered: {
      auto id = read_id(r);
      if (!id) return std::unexpected(id.error());
      auto ttl = r.u32();
      if (!ttl) return std::unexpected(ttl.error());
      return RelayRegistered{std::move(*id), *ttl};
    }
    case RelayMessageType::join: {
      auto version = r.u16();
      if (!version) return std::unexpected(version.error());
      auto id = read_id(r);
      if (!id) return std::unexpected(id.error());
      return RelayJoin{*version, std::move(*id)};
    }
    case RelayMessageType::incoming:
    case RelayMessageType::accept: {
      auto ticket = read_bytes(r, kRelayTicketBytes);
      if (!ticket) return std::unexpected(ticket.error());
      if (type == RelayMessageType::incoming) return RelayIncoming{std::move(*ticket)};
      return RelayAccept{std::move(*ticket)};
    }
    case RelayMessageType::spliced: return RelaySpliced{};
    case RelayMessageType::refused: {
      auto reason = r.u8();
      if (!reason) return std::unexpected(reason.error());
      if (!is_refusal(*reason)) return invalid(ErrorCode::malformed, "unknown refusal " + std::to_string(*reason));
      auto text = read_text(r);
      if (!text) return std::unexpected(text.error());
      return RelayRefused{static_cast<RelayRefusal>(*reason), std::move(*text)};
    }
    case RelayMessageType::redirect: {
      auto node = read_text(r);
      if (!node) return std::unexpected(node.error());
      if (node->empty()) return invalid(ErrorCode::malformed, "a redirect names a node");
      return RelayRedirect{std::move(*node)};
    }
    case RelayMessageType::ping: return RelayPing{};
    case RelayMessageType::pong: return RelayPong{};
    case RelayMessageType::bind: {
      auto verifier = read_bytes(r, kRelayClaimBytes);
      if (!verifier) return std::unexpected(verifier.error());
      return RelayBind{std::move(*verifier)};
    }
    case RelayMessageType::reclaim: {
      auto version = r.u16();
      if (!version) return std::unexpected(version.error());
      auto id = read_id(r);
      if (!id) return std::unexpected(id.error());
      auto key = read_bytes(r, kRelayClaimBytes);
      if (!key) return std::unexpected(key.error());
      return RelayReclaim{*version, std::move(*id), std::move(*key)};
    }
  }
  return invalid(ErrorCode::unknown_type, "type " + std::to_string(static_cast<int>(type)));
}

}  // namespace

std::expected<std::vector<std::uint8_t>, Error> encode_relay_body(const RelayMessage& message) {
  std::vector<std::uint8_t> body;
  ByteWriter writer(body);
  if (auto ok = write_fields(writer, message); !ok) return std::unexpected(ok.error());
  if (body.size() > kMaxRelayMessage) return invalid(ErrorCode::oversized, "body over 512 bytes");
  return body;
}

std::expected<std::vector<std::uint8_t>, Error> encode_relay_frame(const RelayMessage& message) {
  auto body = encode_relay_body(message);
  if (!body) return std::unexpected(body.error());
  std::vector<std::uint8_t> frame;
  frame.reserve(2 + body->size());
  ByteWriter(frame).u16(static_cast<std::uint16_t>(body->size()));
  frame.insert(frame.end(), body->begin(), body->end());
  return frame;
}

std::expected<RelayMessage, Error> decode_relay_body(std::span<const std::uint8_t> body) {
  if (body.empty()) return invalid(ErrorCode::malformed, "empty body");
  if (body.size() > kMaxRelayMessage) return invalid(ErrorCode::oversized, "body over 512 bytes");
  ByteReader reader(body);
  const auto type = static_cast<RelayMessageType>(*reader.u8());
  auto message = read_fields(type, reader);
  if (!message) return message;
  if (auto end = reader.expect_end(); !end) return std::unexpected(end.error());
  return message;
}

std::expected<std::size_t, Error> relay_body_length(std::uint8_t high, std::uint8_t low) {
  const std::size_t length = (static_cast<std::size_t>(high) << 8) | low;
  if (length == 0) return invalid(ErrorCode::malformed, "zero-length frame");
  if (length > kMaxRelayMessage) return invalid(ErrorCode::oversized, "frame of " + std::to_string(length) + " bytes");
  return length;
}

const char* refusal_name(RelayRefusal reason) {
  switch (reason) {
    case RelayRefusal::no_such_session: return "no_such_session";
    case RelayRefusal::rate_limited: return "rate_limited";
    case RelayRefusal::capacity: return "capacity";
    case RelayRefusal::too_many_joins: return "too_many_joins";
    case RelayRefusal::bad_request: return "bad_request";
    case RelayRefusal::version: return "version";
    case RelayRefusal::ticket_unknown: return "ticket_unknown";
    case RelayRefusal::host_gone: return "host_gone";
    case RelayRefusal::not_yours: return "not_yours";
  }
  return nullptr;
}

const char* describe(RelayRefusal reason) {
  switch (reason) {
    case RelayRefusal::no_such_session: return "no support session with this code: expired, already used, or mistyped?";
    case RelayRefusal::rate_limited: return "the relay is refusing this address for a while: too many attempts";
    case RelayRefusal::capacity: return "the relay is full: try again in a minute";
    case RelayRefusal::too_many_joins: return "too many attempts for this code: ask the customer for a new one";
    case RelayRefusal::bad_request: return "the relay did not understand the request";
    case RelayRefusal::version: return "the relay speaks another version: update elfdesk";
    case RelayRefusal::ticket_unknown: return "the relay did not expect this connection (unknown or expired ticket)";
    case RelayRefusal::host_gone: return "the customer's computer did not answer through the relay in time";
    case RelayRefusal::not_yours: return "this relay id belongs to another session";
  }
  return "refused by the relay";
}

}  // namespace elfdesk::protocol
