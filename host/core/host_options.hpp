// Everything elfdesk-host can be told on its command line, parsed once at start-up (main thread).
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::host {

enum class ConsentMode { ask, accept };
enum class UiMode { automatic, window, terminal, none };

struct HostOptions {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 7417;
  std::string connect_host;  // reverse mode: dial out to an engineer's `elfdesk view --listen`
  std::uint16_t connect_port = 0;
  bool direct = false;       // --listen or --connect given: never the relay
  std::string relay_host;    // relay mode (no --listen/--connect, a relay configured): register there
  std::uint16_t relay_port = 0;
  std::string relay_ca;      // PEM of the CA for the relay's certificate; empty: system trust
  std::string relay_arg;     // --relay as given (resolved with ELFDESK_RELAY and the config files later)
  std::string relay_ca_arg;  // --relay-ca as given
  std::string display;       // X display to share; empty: $DISPLAY
  int monitor = -1;
  bool fake_screen = false;  // share a generated test pattern instead of an X display
  std::chrono::seconds code_ttl{600};
  std::string code_file;
  ConsentMode consent = ConsentMode::ask;
  std::chrono::seconds consent_timeout{60};
  UiMode ui = UiMode::automatic;
  bool view_only = false;
  bool clipboard = true;
  bool probes = true;        // --no-probes: the engineer may not run diagnostics
  bool files = true;         // --no-files: no file transfers either way
  std::uint64_t max_transfer_bytes = 1ull << 30;  // --max-transfer MiB: larger files are refused up front
  std::string download_dir;  // --download-dir; empty: the XDG download dir, else ~/Downloads
  std::string audit_log;     // empty: default path; "-" disables
  int max_pending_handshakes = 8;
  int max_pending_per_address = 2;            // one source address holds at most this many of them
  std::chrono::seconds handshake_deadline{30};
  std::chrono::seconds step_deadline{5};      // TLS + Hello, and each SPAKE2 step, each within this
  std::chrono::seconds first_backoff{2};      // an address waits this long after a wrong code, doubling
  bool allow_local_net_checks = false;        // probes may connect to loopback/link-local/private targets
  bool once = false;         // exit after the first session ends (scripts, tests)
  bool verbose = false;
  bool show_help = false;    // --help: print host_usage() on stdout and exit 0; nothing else is read
};

// Parses argv. Returns the options, or an error whose detail is the message to print. `--help` is not an
// error: it yields options with show_help set (the caller prints host_usage() and exits 0).
std::expected<HostOptions, Error> parse_host_options(const std::vector<std::string>& args);
std::string host_usage();
// Relay mode unless --listen/--connect was given: the relay from --relay, ELFDESK_RELAY or the config
// files (common/config.hpp) fills relay_host/relay_port/relay_ca. Reads the environment and files.
std::expected<void, Error> resolve_host_relay(HostOptions& options);

}  // namespace elfdesk::host
