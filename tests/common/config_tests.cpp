// The relay settings from real files in a temporary directory: system file, user file, environment and
// command line, each overriding the one before it key by key; broken files name the file and line.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "common/config.hpp"

using namespace elfdesk;
namespace fs = std::filesystem;

namespace {

// A temporary tree with etc/elfdesk.conf (the system file) and xdg/elfdesk/elfdesk.conf (the user's),
// pointed to by ELFDESK_SYSTEM_CONFIG and XDG_CONFIG_HOME for the test's lifetime.
struct ConfigTree {
  fs::path root;
  ConfigTree() {
    root = fs::temp_directory_path() / ("elfdesk-config-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "etc");
    fs::create_directories(root / "xdg" / "elfdesk");
    ::setenv("ELFDESK_SYSTEM_CONFIG", system_file().c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", (root / "xdg").c_str(), 1);
    ::unsetenv("ELFDESK_RELAY");
    ::unsetenv("ELFDESK_RELAY_CA");
  }
  ~ConfigTree() {
    ::unsetenv("ELFDESK_SYSTEM_CONFIG");
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("ELFDESK_RELAY");
    ::unsetenv("ELFDESK_RELAY_CA");
    fs::remove_all(root);
  }
  fs::path system_file() const { return root / "etc" / "elfdesk.conf"; }
  fs::path user_file() const { return root / "xdg" / "elfdesk" / "elfdesk.conf"; }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
};

}  // namespace

TEST_CASE("config files: system, then user; the user's file wins key by key") {
  ConfigTree tree;
  CHECK(config_file_paths() == std::vector<fs::path>{tree.system_file(), tree.user_file()});
  auto none = resolve_relay_settings(std::nullopt, std::nullopt);
  REQUIRE(none);
  CHECK(none->relay.empty());
  CHECK(none->relay_ca.empty());
  ConfigTree::write(tree.system_file(), "relay = \"relay.corp.example:443\"\nrelay_ca = \"/etc/elfdesk/ca.pem\"\n");
  auto system = resolve_relay_settings(std::nullopt, std::nullopt);
  REQUIRE(system);
  CHECK(system->relay == "relay.corp.example:443");
  CHECK(system->relay_ca == "/etc/elfdesk/ca.pem");
  CHECK(system->source == tree.system_file().string());
  ConfigTree::write(tree.user_file(), "# mine\nrelay = \"127.0.0.1:7500\"\n");
  auto user = resolve_relay_settings(std::nullopt, std::nullopt);
  REQUIRE(user);
  CHECK(user->relay == "127.0.0.1:7500");
  CHECK(user->relay_ca == "/etc/elfdesk/ca.pem");  // not set by the user: the system's stays
  CHECK(user->source == tree.user_file().string());
}

TEST_CASE("ELFDESK_RELAY beats the files, the command line beats everything") {
  ConfigTree tree;
  ConfigTree::write(tree.user_file(), "relay = \"file.example:1\"\nrelay_ca = \"ca-from-file.pem\"\n");
  ::setenv("ELFDESK_RELAY", "env.example:2", 1);
  auto env = resolve_relay_settings(std::nullopt, std::nullopt);
  REQUIRE(env);
  CHECK(env->relay == "env.example:2");
  CHECK(env->source == "ELFDESK_RELAY");
  // A relative relay_ca is the file's neighbour, not the current directory's.
  CHECK(env->relay_ca == (tree.user_file().parent_path() / "ca-from-file.pem").string());
  ::setenv("ELFDESK_RELAY_CA", "/env/ca.pem", 1);
  auto cli = resolve_relay_settings(std::string("cli.example:3"), std::nullopt);
  REQUIRE(cli);
  CHECK(cli->relay == "cli.example:3");
  CHECK(cli->source == "--relay");
  CHECK(cli->relay_ca == "/env/ca.pem");
  auto cli_ca = resolve_relay_settings(std::nullopt, std::string("/cli/ca.pem"));
  REQUIRE(cli_ca);
  CHECK(cli_ca->relay == "env.example:2");
  CHECK(cli_ca->relay_ca == "/cli/ca.pem");
}

TEST_CASE("a broken or mistyped config file is an error naming the file and line") {
  ConfigTree tree;
  ConfigTree::write(tree.system_file(), "relay = \"ok:1\"\n");
  ConfigTree::write(tree.user_file(), "\nrelay = relay.example:443\n");  // not quoted: not TOML
  auto broken = resolve_relay_settings(std::nullopt, std::nullopt);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == ErrorCode::invalid_argument);
  CHECK(broken.error().detail.find(tree.user_file().string() + ":2") != std::string::npos);
  ConfigTree::write(tree.user_file(), "relay = 7500\n");
  auto typed = read_config_file(tree.user_file());
  REQUIRE_FALSE(typed);
  CHECK(typed.error().detail.find("relay must be a string") != std::string::npos);
  // Unknown keys are ignored (a newer version may know them); the known ones still count.
  ConfigTree::write(tree.user_file(), "theme = \"dark\"\nrelay = \"r.example:9\"\n");
  auto unknown = read_config_file(tree.user_file());
  REQUIRE(unknown);
  CHECK(unknown->relay == "r.example:9");
  CHECK(read_config_file(tree.root / "missing.conf")->relay.empty());
}

TEST_CASE("without XDG_CONFIG_HOME the user file is under HOME/.config") {
  ConfigTree tree;
  ::unsetenv("XDG_CONFIG_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved = old_home ? old_home : "";
  ::setenv("HOME", tree.root.c_str(), 1);
  CHECK(config_file_paths().back() == tree.root / ".config" / "elfdesk" / "elfdesk.conf");
  if (old_home) ::setenv("HOME", saved.c_str(), 1);
}
