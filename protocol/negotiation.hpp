// Version and capability negotiation from the two Hello messages (docs/protocol.md, "Versioning").
// Rules: both versions must equal limits::kProtocolVersion, one side is the host and the other the
// engineer, and the session's capabilities are the AND of both sides'. Pure function, any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <string>

#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::protocol {

struct Negotiated {
  std::uint16_t version = 0;
  std::uint32_t capabilities = 0;  // mine & theirs: use a feature only if its bit is set here
  Role peer_role = Role::engineer;
  std::string peer_name;
  std::string peer_software;
  bool has(std::uint32_t capability_bits) const { return (capabilities & capability_bits) == capability_bits; }
};

// version_mismatch when theirs speaks another version; invalid_argument when mine is not this build's
// version; malformed when both claim the same role or a role is out of range.
std::expected<Negotiated, Error> negotiate(const Hello& mine, const Hello& theirs);

// The Hello this build sends: current version, the given role, capabilities, name and software.
Hello make_hello(Role role, std::uint32_t capabilities, std::string name, std::string software);

}  // namespace elfdesk::protocol
