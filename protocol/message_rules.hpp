// The rules of each message that its wire format alone does not enforce: values of enumerations, sizes
// within the protocol's limits, rectangles inside the screen, fields that must agree with each other. The
// codec applies them before encoding (a sender cannot produce a message a receiver would refuse) and after
// decoding (a receiver never sees one). Pure functions; any thread.
#pragma once
#include <optional>

#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::protocol {

// The first rule `message` breaks, as a malformed or oversized error; nothing when it keeps them all.
std::optional<Error> broken_rule(const Message& message);

}  // namespace elfdesk::protocol
