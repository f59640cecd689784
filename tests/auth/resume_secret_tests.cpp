// Resume secrets: derived from the SPAKE2 key under their own label, proofs bound to one exporter,
// and a new secret after each use. Real SPAKE2 keys and real HKDF/HMAC (OpenSSL).
#include "common/auth/resume_secret.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "common/auth/spake2.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::auth {
namespace {

std::vector<std::uint8_t> filled(std::size_t n, std::uint8_t v) { return std::vector<std::uint8_t>(n, v); }

// Both parties of one real SPAKE2 exchange on the code "12345678" bound to `binding`: their keys.
std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>> spake2_keys(const std::vector<std::uint8_t>& binding) {
  const std::vector<std::uint8_t> code{'1', '2', '3', '4', '5', '6', '7', '8'};
  auto a = Spake2Party::create(Spake2Role::engineer, code, kSpake2IdEngineer, kSpake2IdHost, binding);
  auto b = Spake2Party::create(Spake2Role::host, code, kSpake2IdEngineer, kSpake2IdHost, binding);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->process_peer_share(b->share()));
  REQUIRE(b->process_peer_share(a->share()));
  REQUIRE(a->verify_peer_confirmation(b->confirmation()));
  REQUIRE(b->verify_peer_confirmation(a->confirmation()));
  return {{a->shared_key().begin(), a->shared_key().end()}, {b->shared_key().begin(), b->shared_key().end()}};
}

TEST_CASE("both sides of a SPAKE2 exchange derive the same resume ticket and accept each other's proof") {
  const auto binding = filled(32, 0x01);
  const auto [engineer_key, host_key] = spake2_keys(binding);
  auto engineer = ResumeSecret::from_session_key(engineer_key, binding);
  auto host = ResumeSecret::from_session_key(host_key, binding);
  REQUIRE(engineer);
  REQUIRE(host);
  CHECK(engineer->ticket() == host->ticket());
  CHECK(engineer->ticket().size() == limits::kResumeTicketSize);
  const auto new_exporter = filled(32, 0x02);
  const auto proof = engineer->proof(new_exporter);
  CHECK(proof.size() == limits::kResumeProofSize);
  CHECK(host->verify(new_exporter, proof));
}

TEST_CASE("the resume secret is not the SPAKE2 key and depends on the authenticating connection") {
  const auto key = filled(16, 0x33);
  auto one = ResumeSecret::from_session_key(key, filled(32, 0x01));
  auto other = ResumeSecret::from_session_key(key, filled(32, 0x09));
  REQUIRE(one);
  REQUIRE(other);
  CHECK(one->ticket() != other->ticket());
  CHECK_FALSE(other->verify(filled(32, 0x02), one->proof(filled(32, 0x02))));
  CHECK_FALSE(ResumeSecret::from_session_key({}, filled(32, 0x01)));
}

TEST_CASE("a proof made for one connection fails on any other connection") {
  auto secret = ResumeSecret::from_session_key(filled(16, 0x44), filled(32, 0x01));
  REQUIRE(secret);
  const auto proof = secret->proof(filled(32, 0x02));
  CHECK(secret->verify(filled(32, 0x02), proof));
  CHECK_FALSE(secret->verify(filled(32, 0x03), proof));  // the stolen proof on the thief's connection
  auto flipped = proof;
  flipped[7] ^= 0x01;
  CHECK_FALSE(secret->verify(filled(32, 0x02), flipped));
  CHECK_FALSE(secret->verify(filled(32, 0x02), std::vector<std::uint8_t>(proof.begin(), proof.end() - 1)));
  CHECK_FALSE(secret->verify(filled(32, 0x02), {}));
  CHECK_FALSE(secret->verify({}, secret->proof({})));  // no channel binding, no proof
}

TEST_CASE("after a resume both sides step to a new secret: the used proof and ticket are worth nothing") {
  auto engineer = ResumeSecret::from_session_key(filled(16, 0x55), filled(32, 0x01));
  auto host = ResumeSecret::from_session_key(filled(16, 0x55), filled(32, 0x01));
  REQUIRE(engineer);
  REQUIRE(host);
  const auto exporter = filled(32, 0x02);
  const auto used = engineer->proof(exporter);
  REQUIRE(host->verify(exporter, used));
  const auto next_host = host->next(exporter);
  const auto next_engineer = engineer->next(exporter);
  CHECK(next_host.ticket() == next_engineer.ticket());
  CHECK(next_host.ticket() != host->ticket());
  CHECK_FALSE(next_host.verify(exporter, used));  // replayed on the same connection
  CHECK(next_host.verify(filled(32, 0x04), next_engineer.proof(filled(32, 0x04))));
}

}  // namespace
}  // namespace elfdesk::auth
