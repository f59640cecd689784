// How long a dropped session may take to come back (the resume window) and how long a silent peer is
// given before the connection counts as dead, shared by host and engineer. Read once at start-up; any
// thread. Tests shorten both through ELFDESK_RESUME_WINDOW_MS / ELFDESK_DEAD_PEER_MS (hidden, for tests).
#pragma once
#include <chrono>
#include <string>

#include "common/connection.hpp"

namespace elfdesk {

struct ResumeTiming {
  std::chrono::milliseconds window{60000};     // a dropped session waits this long for its engineer
  std::chrono::milliseconds dead_peer{15000};  // nothing from the peer for this long: the link is down
};

// The defaults, or the environment's test values (ignored unless a positive whole number of ms).
ResumeTiming resume_timing();

// `timeouts` with the dead-peer limit as its idle limit, pinging often enough (a third of it) that a live
// but quiet peer is never mistaken for a dead one.
ConnectionTimeouts with_dead_peer(ConnectionTimeouts timeouts, const ResumeTiming& timing);

// "15 s", "1.5 s": a duration for a person.
std::string seconds_text(std::chrono::milliseconds d);

// What a dead-peer timeout means, in plain words: "no answer from the host for 15 s: the network may be
// down; trying to reconnect (up to 60 s)". `peer` is "the host" or "the engineer".
std::string dead_peer_text(const std::string& peer, const ResumeTiming& timing, bool reconnecting);

}  // namespace elfdesk
