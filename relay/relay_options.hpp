// elfdesk-relay's command line: what it listens on, its certificate, the directory (in memory or
// Redis), where it is advertised, metrics, ttl, session cap, log, and --limit overrides. Start-up only.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/error.hpp"
#include "relay/relay_limits.hpp"

namespace elfdesk::relay {

using HostPort = std::pair<std::string, std::uint16_t>;

struct RelayOptions {
  HostPort listen;
  std::string cert_file, key_file;
  std::optional<HostPort> redis;  // --directory redis://HOST:PORT
  std::string advertise;          // "host:port"; defaults to --listen when that names one address
  std::optional<HostPort> metrics;
  std::chrono::seconds ttl{600};
  std::size_t max_sessions = 2000;
  std::string log_file;  // "" = standard output
  RelayLimits limits;
  bool show_help = false;
  bool show_version = false;
};

// invalid_argument (exit 2) for anything missing or malformed.
std::expected<RelayOptions, Error> parse_relay_options(const std::vector<std::string>& args);
std::string relay_usage();

}  // namespace elfdesk::relay
