#include "common/handshake.hpp"

#include "common/auth/spake2.hpp"
#include "common/auth/tls_context.hpp"
#include "protocol/negotiation.hpp"

namespace elfdesk {
namespace {

using protocol::Message;

template <class T>
std::expected<T, Error> expect(std::expected<Message, Error>&& received, const char* what) {
  if (!received) return std::unexpected(received.error());
  if (auto* m = std::get_if<T>(&*received)) return std::move(*m);
  if (auto* bye = std::get_if<protocol::Goodbye>(&*received)) {
    const auto code = bye->reason == protocol::GoodbyeReason::busy             ? ErrorCode::busy
                      : bye->reason == protocol::GoodbyeReason::auth_failed     ? ErrorCode::auth_failed
                      : bye->reason == protocol::GoodbyeReason::version_mismatch ? ErrorCode::version_mismatch
                      : bye->reason == protocol::GoodbyeReason::declined        ? ErrorCode::declined
                                                                                : ErrorCode::closed;
    return std::unexpected(make_error(code, bye->message.empty() ? "peer ended the session" : bye->message));
  }
  return std::unexpected(make_error(ErrorCode::malformed,
                                    std::string("expected ") + what + ", got " +
                                        protocol::name_of(protocol::type_of(*received))));
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::expected<auth::Spake2Party, Error> make_party(Connection& connection, auth::Spake2Role role,
                                                   const std::string& code_digits) {
  auto binding = auth::export_channel_binding(connection.stream());
  if (!binding) return std::unexpected(binding.error());
  return auth::Spake2Party::create(role, as_bytes(code_digits), auth::kSpake2IdEngineer, auth::kSpake2IdHost,
                                   *binding);
}

// The session's first resume secret, from the proven SPAKE2 key and this connection's binding.
std::expected<auth::ResumeSecret, Error> first_resume_secret(Connection& connection, const auth::Spake2Party& party) {
  auto binding = auth::export_channel_binding(connection.stream());
  if (!binding) return std::unexpected(binding.error());
  return auth::ResumeSecret::from_session_key(party.shared_key(), *binding);
}

Error fail_auth(Connection& connection, std::string_view why) {
  connection.close(protocol::GoodbyeReason::auth_failed, kWrongCodeMessage);
  return make_error(ErrorCode::auth_failed, std::string(kWrongCodeMessage) + " (" + std::string(why) + ")");
}

// The peer's Hello, negotiated against ours (sent already). On mismatch: Goodbye(version_mismatch).
asio::awaitable<std::expected<PeerInfo, Error>> receive_hello(Connection& connection, const protocol::Hello& mine) {
  auto theirs = expect<protocol::Hello>(co_await connection.receive(), "Hello");
  if (!theirs) co_return std::unexpected(theirs.error());
  auto negotiated = protocol::negotiate(mine, *theirs);
  if (!negotiated) {
    const bool version = negotiated.error().code == ErrorCode::version_mismatch;
    connection.close(version ? protocol::GoodbyeReason::version_mismatch : protocol::GoodbyeReason::protocol_error,
                     negotiated.error().detail);
    co_return std::unexpected(negotiated.error());
  }
  co_return PeerInfo{std::move(*theirs), negotiated->capabilities};
}

}  // namespace

asio::awaitable<std::expected<PeerInfo, Error>> exchange_hello(Connection& connection,
                                                                const protocol::Hello& mine) {
  connection.send(mine);
  co_return co_await receive_hello(connection, mine);
}

asio::awaitable<std::expected<EngineerAdmission, Error>> open_as_engineer(Connection& connection,
                                                                          const protocol::Hello& mine,
                                                                          std::string code_digits,
                                                                          protocol::Message after_auth) {
  auto party = make_party(connection, auth::Spake2Role::engineer, code_digits);
  if (!party) co_return std::unexpected(party.error());
  connection.send(mine);
  connection.send(protocol::AuthShare{party->share()});
  auto host = co_await receive_hello(connection, mine);
  if (!host) co_return std::unexpected(host.error());
  auto share = expect<protocol::AuthShare>(co_await connection.receive(), "AuthShare");
  if (!share) co_return std::unexpected(share.error());
  auto confirm = expect<protocol::AuthConfirm>(co_await connection.receive(), "AuthConfirm");
  if (!confirm) co_return std::unexpected(confirm.error());
  if (!party->process_peer_share(share->share) || !party->verify_peer_confirmation(confirm->mac))
    co_return std::unexpected(fail_auth(connection, "the host's key confirmation did not verify"));
  connection.send(protocol::AuthConfirm{party->confirmation()});
  connection.send(std::move(after_auth));
  auto result = expect<protocol::AuthResult>(co_await connection.receive(), "AuthResult");
  if (!result) co_return std::unexpected(result.error());
  if (!result->ok)
    co_return std::unexpected(make_error(ErrorCode::auth_failed,
                                         result->reason.empty() ? kWrongCodeMessage : result->reason));
  connection.set_authenticated();
  auto secret = first_resume_secret(connection, *party);
  if (!secret) co_return std::unexpected(secret.error());
  co_return EngineerAdmission{std::move(*host), std::move(*secret)};
}

asio::awaitable<std::expected<PeerInfo, Error>> resume_as_engineer(Connection& connection, const protocol::Hello& mine,
                                                                    auth::ResumeSecret& secret) {
  auto binding = auth::export_channel_binding(connection.stream());
  if (!binding) co_return std::unexpected(binding.error());
  connection.send(mine);
  connection.send(protocol::ResumeRequest{secret.ticket(), secret.proof(*binding)});
  auto host = co_await receive_hello(connection, mine);
  if (!host) co_return std::unexpected(host.error());
  if ((host->capabilities & protocol::capability::kResume) == 0)
    co_return std::unexpected(make_error(ErrorCode::auth_failed, "the host can no longer resume this session"));
  auto result = expect<protocol::ResumeResult>(co_await connection.receive(), "ResumeResult");
  if (!result) co_return std::unexpected(result.error());
  if (!result->ok)
    co_return std::unexpected(make_error(ErrorCode::auth_failed, result->reason.empty() ? "resume refused" : result->reason));
  secret = secret.next(*binding);
  connection.set_authenticated();
  co_return std::move(*host);
}

asio::awaitable<std::expected<protocol::Message, Error>> receive_opening(Connection& connection) {
  auto received = co_await connection.receive();
  if (!received) co_return std::unexpected(received.error());
  if (std::holds_alternative<protocol::AuthShare>(*received) || std::holds_alternative<protocol::ResumeRequest>(*received))
    co_return std::move(*received);
  co_return std::unexpected(expect<protocol::AuthShare>(std::move(received), "AuthShare or ResumeRequest").error());
}

asio::awaitable<std::expected<auth::ResumeSecret, Error>> authenticate_as_host(Connection& connection,
                                                                             HostCodeCheck check) {
  auto opening = co_await connection.receive();
  if (opening && std::holds_alternative<protocol::ResumeRequest>(*opening)) {
    connection.send(protocol::ResumeResult{false, kSessionEndedMessage});
    connection.close(protocol::GoodbyeReason::normal, kSessionEndedMessage);
    co_return std::unexpected(make_error(ErrorCode::auth_failed, kSessionEndedMessage));
  }
  auto share = expect<protocol::AuthShare>(std::move(opening), "AuthShare");
  if (!share) co_return std::unexpected(share.error());
  // The code is looked up only now, so a connection that passed Hello before a rotation uses the new one.
  auto code_digits = check.begin();
  if (!code_digits) {
    connection.close(code_digits.error().code == ErrorCode::busy ? protocol::GoodbyeReason::busy
                                                                 : protocol::GoodbyeReason::auth_failed,
                     code_digits.error().detail);
    co_return std::unexpected(code_digits.error());
  }
  // From here on every failure counts against the code: the engineer has made a guess.
  auto party = make_party(connection, auth::Spake2Role::host, *code_digits);
  if (!party) co_return std::unexpected(make_error(ErrorCode::auth_failed, party.error().detail));
  if (!party->process_peer_share(share->share))
    co_return std::unexpected(fail_auth(connection, "invalid SPAKE2 share"));
  connection.send(protocol::AuthShare{party->share()});
  connection.send(protocol::AuthConfirm{party->confirmation()});
  auto confirm = expect<protocol::AuthConfirm>(co_await connection.receive(), "AuthConfirm");
  if (!confirm) co_return std::unexpected(make_error(ErrorCode::auth_failed, confirm.error().detail));
  if (!party->verify_peer_confirmation(confirm->mac)) {
    connection.send(protocol::AuthResult{false, kWrongCodeMessage});
    co_return std::unexpected(fail_auth(connection, "the engineer's key confirmation did not verify"));
  }
  // A right guess of a code that was replaced while SPAKE2 ran (expiry, rotation) gets nothing.
  if (!check.claim()) {
    connection.send(protocol::AuthResult{false, kWrongCodeMessage});
    co_return std::unexpected(fail_auth(connection, "the code was replaced during the attempt"));
  }
  connection.send(protocol::AuthResult{true, ""});
  connection.set_authenticated();
  co_return first_resume_secret(connection, *party);
}

}  // namespace elfdesk
