// Negotiation: version equality, distinct roles, capabilities as the AND of both Hellos.
#include <doctest/doctest.h>

#include <string>

#include "protocol/limits.hpp"
#include "protocol/negotiation.hpp"

namespace p = elfdesk::protocol;
namespace L = elfdesk::limits;
using elfdesk::ErrorCode;

TEST_CASE("matching versions and distinct roles negotiate the common capabilities") {
  const p::Hello host = p::make_hello(p::Role::host, p::capability::kAll, "build-box", "elfdesk 0.1.0");
  const p::Hello engineer = p::make_hello(p::Role::engineer, p::capability::kVideoVp8 | p::capability::kProbes | (1u << 30),
                                          "Ada", "elfdesk 0.1.0");
  auto from_host = p::negotiate(host, engineer);
  REQUIRE(from_host.has_value());
  CHECK(from_host->version == L::kProtocolVersion);
  CHECK(from_host->capabilities == (p::capability::kVideoVp8 | p::capability::kProbes));
  CHECK(from_host->has(p::capability::kProbes));
  CHECK_FALSE(from_host->has(p::capability::kInput));
  CHECK(from_host->peer_role == p::Role::engineer);
  CHECK(from_host->peer_name == "Ada");
  auto from_engineer = p::negotiate(engineer, host);
  REQUIRE(from_engineer.has_value());
  CHECK(from_engineer->capabilities == from_host->capabilities);  // symmetric
  CHECK(from_engineer->peer_role == p::Role::host);
  CHECK(from_engineer->peer_software == "elfdesk 0.1.0");
}

TEST_CASE("a peer with another version is a version_mismatch naming both versions") {
  const p::Hello mine = p::make_hello(p::Role::engineer, 0, "a", "b");
  for (std::uint16_t version : {std::uint16_t{0}, static_cast<std::uint16_t>(L::kProtocolVersion + 1), std::uint16_t{0xFFFF}}) {
    p::Hello theirs = p::make_hello(p::Role::host, 0, "h", "s");
    theirs.protocol_version = version;
    auto result = p::negotiate(mine, theirs);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::version_mismatch);
    CHECK(result.error().detail.find(std::to_string(version)) != std::string::npos);
    CHECK(result.error().detail.find(std::to_string(L::kProtocolVersion)) != std::string::npos);
  }
  p::Hello bad_mine = mine;
  bad_mine.protocol_version = 9;
  auto result = p::negotiate(bad_mine, p::make_hello(p::Role::host, 0, "h", "s"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("both sides claiming the same role, or an unknown role, is refused") {
  for (p::Role role : {p::Role::host, p::Role::engineer}) {
    auto result = p::negotiate(p::make_hello(role, 0, "a", ""), p::make_hello(role, 0, "b", ""));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::malformed);
  }
  auto result = p::negotiate(p::make_hello(p::Role::host, 0, "a", ""),
                             p::make_hello(static_cast<p::Role>(3), 0, "b", ""));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::malformed);
}
