#include "protocol/negotiation.hpp"

#include <string>
#include <utility>

#include "protocol/limits.hpp"

namespace elfdesk::protocol {

namespace {

bool known_role(Role role) { return role == Role::host || role == Role::engineer; }

const char* role_name(Role role) { return role == Role::host ? "host" : "engineer"; }

}  // namespace

std::expected<Negotiated, Error> negotiate(const Hello& mine, const Hello& theirs) {
  const std::string ours = std::to_string(limits::kProtocolVersion);
  if (mine.protocol_version != limits::kProtocolVersion) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "own Hello says protocol version " + std::to_string(mine.protocol_version) +
                                          " but this build speaks version " + ours));
  }
  if (theirs.protocol_version != limits::kProtocolVersion) {
    return std::unexpected(make_error(
        ErrorCode::version_mismatch,
        "peer speaks protocol version " + std::to_string(theirs.protocol_version) + ", this build speaks version " +
            ours + "; update the " + (theirs.protocol_version < limits::kProtocolVersion ? "peer" : "local side")));
  }
  if (!known_role(mine.role) || !known_role(theirs.role)) {
    return std::unexpected(make_error(ErrorCode::malformed, "Hello carries an unknown role"));
  }
  if (mine.role == theirs.role) {
    return std::unexpected(make_error(ErrorCode::malformed, std::string("both sides claim to be the ") +
                                                                role_name(mine.role) +
                                                                "; one must be the host, the other the engineer"));
  }
  return Negotiated{limits::kProtocolVersion, mine.capabilities & theirs.capabilities, theirs.role, theirs.name,
                    theirs.software};
}

Hello make_hello(Role role, std::uint32_t capabilities, std::string name, std::string software) {
  return Hello{limits::kProtocolVersion, role, capabilities, std::move(name), std::move(software)};
}

}  // namespace elfdesk::protocol
