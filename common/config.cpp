#include "common/config.hpp"

#include <cstdlib>
#include <system_error>
#include <toml++/toml.h>

#include "common/log.hpp"

namespace elfdesk {
namespace {

constexpr const char* kSystemConfig = "/etc/elfdesk/elfdesk.conf";

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// A string key of `table`, or nothing; a present value of another type is an error.
std::expected<std::optional<std::string>, Error> string_key(const toml::table& table, const char* key,
                                                           const std::filesystem::path& path) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* text = node->as_string()) return text->get();
  return std::unexpected(make_error(ErrorCode::invalid_argument,
                                    path.string() + ":" + std::to_string(node->source().begin.line) + ": " + key +
                                        " must be a string, e.g. " + key + " = \"...\""));
}

// Each key on its own: a layer's value replaces what the layers below it said.
void overlay(RelaySettings& into, const RelaySettings& layer) {
  if (!layer.relay.empty()) {
    into.relay = layer.relay;
    into.source = layer.source;
  }
  if (!layer.relay_ca.empty()) into.relay_ca = layer.relay_ca;
}

}  // namespace

std::vector<std::filesystem::path> config_file_paths() {
  std::vector<std::filesystem::path> paths{env("ELFDESK_SYSTEM_CONFIG").value_or(kSystemConfig)};
  if (auto xdg = env("XDG_CONFIG_HOME")) {
    paths.emplace_back(std::filesystem::path(*xdg) / "elfdesk" / "elfdesk.conf");
  } else if (auto home = env("HOME")) {
    paths.emplace_back(std::filesystem::path(*home) / ".config" / "elfdesk" / "elfdesk.conf");
  }
  return paths;
}

std::expected<RelaySettings, Error> read_config_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return RelaySettings{};
  toml::table table;
  try {  // toml++ reports syntax errors as exceptions; they stop here
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                                          std::string(e.description())));
  } catch (const std::exception& e) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "cannot read " + path.string() + ": " + e.what()));
  }
  RelaySettings settings;
  auto relay = string_key(table, "relay", path);
  if (!relay) return std::unexpected(relay.error());
  auto ca = string_key(table, "relay_ca", path);
  if (!ca) return std::unexpected(ca.error());
  if (*relay) settings = {**relay, {}, path.string()};
  if (*ca && !(*ca)->empty()) {
    const std::filesystem::path ca_path(**ca);
    settings.relay_ca = (ca_path.is_relative() ? path.parent_path() / ca_path : ca_path).string();
  }
  for (const auto& [key, value] : table)
    if (key != "relay" && key != "relay_ca" && key != "watch")  // [watch]: common/watch/watch_settings.hpp
      log::warn("{}: unknown setting '{}' ignored", path.string(), key.str());
  return settings;
}

std::expected<RelaySettings, Error> resolve_relay_settings(const std::optional<std::string>& cli_relay,
                                                           const std::optional<std::string>& cli_ca) {
  RelaySettings result;
  for (const auto& path : config_file_paths()) {
    auto layer = read_config_file(path);
    if (!layer) return std::unexpected(layer.error());
    overlay(result, *layer);
  }
  overlay(result, RelaySettings{env("ELFDESK_RELAY").value_or(""), env("ELFDESK_RELAY_CA").value_or(""),
                                "ELFDESK_RELAY"});
  overlay(result, RelaySettings{cli_relay.value_or(""), cli_ca.value_or(""), "--relay"});
  return result;
}

}  // namespace elfdesk
