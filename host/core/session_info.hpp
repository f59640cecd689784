// The SessionInfo the host sends once the customer allowed a session: machine name, the customer's user
// name and an opaque host key the viewer remembers its view by. Pure functions, any thread; reads
// /etc/machine-id (or ELFDESK_MACHINE_ID_FILE) and the hostname each call.
#pragma once
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace elfdesk::host {

// HMAC-SHA256(key = "elfdesk host key v1", id) as lowercase hex, 32 characters (128 bits): the same
// machine always gets the same key, and the key tells nothing of the machine-id it came from.
std::string host_key_from(std::string_view machine_id);

// This machine's SessionInfo. The key comes from the machine-id (ELFDESK_MACHINE_ID_FILE, else
// /etc/machine-id, else /var/lib/dbus/machine-id); without one from the hostname. Names longer than the
// wire allows are cut at a character boundary.
protocol::SessionInfo make_session_info();

}  // namespace elfdesk::host
