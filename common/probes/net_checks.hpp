// Active network checks for the `network` probe: name resolution and a TCP connect, both timed.
// Internal to elfdesk_probes; blocking calls on the probe's worker thread, bounded by a timeout.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace elfdesk::probes {

// getaddrinfo(name): {name, addresses[], elapsed_ms, error (null on success)}.
nlohmann::json resolve_check(const std::string& name);
// Non-blocking TCP connect to "host:port" ("[v6]:port" for IPv6 literals) within `timeout`:
// {target, address, connected, elapsed_ms, error}.
nlohmann::json connect_check(const std::string& target, std::chrono::milliseconds timeout);
// Splits "host:port" / "[v6]:port"; false when malformed.
bool split_host_port(const std::string& target, std::string& host, std::string& port);

}  // namespace elfdesk::probes
