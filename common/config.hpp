// Where the relay is: the config files (/etc/elfdesk/elfdesk.conf, then ~/.config/elfdesk/elfdesk.conf,
// TOML: `relay = "host:port"`, `relay_ca = "/path/ca.pem"`), ELFDESK_RELAY / ELFDESK_RELAY_CA and the
// command line, highest last. Start-up only (main thread); reads files and the environment, no state.
#pragma once
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk {

struct RelaySettings {
  std::string relay;     // "host:port"; empty: no relay configured
  std::string relay_ca;  // PEM file of the CA that signs the relay's certificate; empty: system trust
  std::string source;    // where `relay` came from, for messages ("--relay", "ELFDESK_RELAY", a file path)
};

// The config files in increasing precedence: the system file (ELFDESK_SYSTEM_CONFIG, else
// /etc/elfdesk/elfdesk.conf), then the user's ($XDG_CONFIG_HOME/elfdesk/elfdesk.conf, else
// $HOME/.config/elfdesk/elfdesk.conf; none without either variable).
std::vector<std::filesystem::path> config_file_paths();

// One file's settings. A missing file is empty settings; a file that does not parse, or a key of the
// wrong type, is invalid_argument naming the file and line. A relative relay_ca is taken relative to
// the file's directory. Unknown keys are ignored (a newer version may know them), with a warning.
std::expected<RelaySettings, Error> read_config_file(const std::filesystem::path& path);

// Every layer, each key on its own: command line > ELFDESK_RELAY(_CA) > user file > system file.
// `cli_relay` / `cli_ca` are the --relay / --relay-ca values when given.
std::expected<RelaySettings, Error> resolve_relay_settings(const std::optional<std::string>& cli_relay,
                                                           const std::optional<std::string>& cli_ca);

}  // namespace elfdesk
