#include <doctest/doctest.h>

#include <cstdlib>

#include "host/core/consent_gate.hpp"
#include "host/core/host_options.hpp"
#include "protocol/messages.hpp"

using namespace elfdesk;
using namespace elfdesk::host;

namespace {
std::expected<HostOptions, Error> parse(std::vector<std::string> args) { return parse_host_options(args); }
}  // namespace

TEST_CASE("defaults: loopback listen on the default port, ask for consent, 10 minute codes") {
  auto o = parse({});
  REQUIRE(o);
  CHECK(o->listen_host == "127.0.0.1");
  CHECK(o->listen_port == 7417);
  CHECK(o->consent == ConsentMode::ask);
  CHECK(o->code_ttl == std::chrono::seconds(600));
  CHECK(o->consent_timeout == std::chrono::seconds(60));
  CHECK(o->clipboard);
  CHECK_FALSE(o->view_only);
}

TEST_CASE("options are read with separate or inline values") {
  auto o = parse({"--listen=0.0.0.0:0", "--code-ttl", "30", "--consent", "accept", "--view-only", "--no-clipboard",
                  "--monitor", "1", "--ui", "terminal"});
  REQUIRE(o);
  CHECK(o->listen_host == "0.0.0.0");
  CHECK(o->listen_port == 0);
  CHECK(o->code_ttl == std::chrono::seconds(30));
  CHECK(o->consent == ConsentMode::accept);
  CHECK(o->view_only);
  CHECK_FALSE(o->clipboard);
  CHECK(o->monitor == 1);
  CHECK(o->ui == UiMode::terminal);
}

TEST_CASE("bad usage is a clear error; --help is its own outcome, not an error") {
  CHECK(parse({"--frobnicate"}).error().detail == "unknown option --frobnicate");
  CHECK(parse({"--code-ttl", "abc"}).error().code == ErrorCode::invalid_argument);
  CHECK(parse({"--listen", "nocolon"}).error().detail.find("HOST:PORT") != std::string::npos);
  CHECK(parse({"--consent", "maybe"}).error().code == ErrorCode::invalid_argument);
  CHECK(parse({"--ui", "none"}).error().detail.find("--consent accept") != std::string::npos);
  CHECK(parse({"--code-ttl"}).error().detail == "option --code-ttl needs a value");
  auto help = parse({"--help"});
  REQUIRE(help);
  CHECK(help->show_help);
  CHECK(host_usage().find("Usage: elfdesk-host") != std::string::npos);
  CHECK(host_usage().find("--no-probes") != std::string::npos);
  CHECK(parse({"--help", "--frobnicate"}).error().code == ErrorCode::invalid_argument);  // argv is still checked
  auto plain = parse({});
  REQUIRE(plain);
  CHECK_FALSE(plain->show_help);
}

TEST_CASE("the customer's settings limit what an engineer is granted") {
  using namespace protocol::permission;
  HostOptions o;
  const std::uint32_t all = kView | kControl | kClipboard | kProbes;
  CHECK(grant_permissions(all, o) == all);
  CHECK(grant_permissions(kView, o) == kView);  // never more than asked
  o.view_only = true;
  CHECK(grant_permissions(all, o) == (kView | kProbes));
  o.view_only = false;
  o.clipboard = false;
  CHECK(grant_permissions(all, o) == (kView | kControl | kProbes));
  CHECK(grant_permissions(1u << 20, o) == 0);  // unknown bits are never granted
}

TEST_CASE("--no-probes takes diagnostics away; view-only keeps them only when the engineer asked") {
  using namespace protocol::permission;
  const std::uint32_t all = kView | kControl | kClipboard | kProbes;
  auto o = parse({"--no-probes"});
  REQUIRE(o);
  CHECK_FALSE(o->probes);
  CHECK(grant_permissions(all, *o) == (kView | kControl | kClipboard));
  CHECK(grant_permissions(kProbes, *o) == 0);  // a diagnostics-only engineer gets nothing
  auto d = parse({});
  REQUIRE(d);
  CHECK(d->probes);
  CHECK(grant_permissions(kProbes, *d) == kProbes);
  auto v = parse({"--view-only"});
  REQUIRE(v);
  CHECK(grant_permissions(kView, *v) == kView);  // probes not asked for: not granted
  CHECK(grant_permissions(kView | kProbes | kControl, *v) == (kView | kProbes));
  auto vn = parse({"--view-only", "--no-probes"});
  REQUIRE(vn);
  CHECK(grant_permissions(all, *vn) == kView);
}

TEST_CASE("limits against strangers and the network-check permission have safe defaults and can be set") {
  auto d = parse({});
  REQUIRE(d);
  CHECK(d->max_pending_per_address == 2);
  CHECK(d->step_deadline == std::chrono::seconds(5));
  CHECK(d->first_backoff == std::chrono::seconds(2));
  CHECK_FALSE(d->allow_local_net_checks);
  auto o = parse({"--max-pending-per-address", "4", "--step-timeout=3", "--backoff", "0", "--allow-local-net-checks"});
  REQUIRE(o);
  CHECK(o->max_pending_per_address == 4);
  CHECK(o->step_deadline == std::chrono::seconds(3));
  CHECK(o->first_backoff == std::chrono::seconds(0));
  CHECK(o->allow_local_net_checks);
  CHECK_FALSE(parse({"--max-pending-per-address", "0"}));
  CHECK_FALSE(parse({"--backoff", "301"}));
}

TEST_CASE("remedies are granted only when asked, and never to a view-only or --no-probes session") {
  using namespace protocol::permission;
  HostOptions o;
  CHECK(grant_permissions(kRemedies, o) == kRemedies);
  CHECK(grant_permissions(kView | kProbes, o) == (kView | kProbes));  // not asked, not granted
  o.view_only = true;
  CHECK(grant_permissions(kAll, o) == (kView | kProbes | kRecord));  // watching and recording change nothing
  CHECK(grant_permissions(kRemedies, o) == 0);
  o.view_only = false;
  o.probes = false;
  CHECK(grant_permissions(kAll, o) == (kView | kControl | kClipboard | kFiles | kRecord));
  CHECK(grant_permissions(kRemedies, o) == 0);
}

// Relay mode is chosen at start: --listen/--connect mean direct; otherwise a relay from --relay,
// ELFDESK_RELAY or the config files (here: none, by pointing both files at a missing directory).
TEST_CASE("relay mode: --relay, ELFDESK_RELAY; --listen or --connect stay direct; conflicts are usage errors") {
  ::setenv("ELFDESK_SYSTEM_CONFIG", "/nonexistent/elfdesk.conf", 1);
  ::setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
  ::unsetenv("ELFDESK_RELAY");
  ::unsetenv("ELFDESK_RELAY_CA");
  auto plain = parse({});
  REQUIRE(plain);
  REQUIRE(resolve_host_relay(*plain));
  CHECK(plain->relay_host.empty());  // no relay anywhere: listens as before
  auto relay = parse({"--relay", "relay.example:7500", "--relay-ca", "/etc/ca.pem"});
  REQUIRE(relay);
  REQUIRE(resolve_host_relay(*relay));
  CHECK(relay->relay_host == "relay.example");
  CHECK(relay->relay_port == 7500);
  CHECK(relay->relay_ca == "/etc/ca.pem");
  ::setenv("ELFDESK_RELAY", "env.example:9", 1);
  auto from_env = parse({});
  REQUIRE(from_env);
  REQUIRE(resolve_host_relay(*from_env));
  CHECK(from_env->relay_host == "env.example");
  auto direct = parse({"--listen", "127.0.0.1:0"});
  REQUIRE(direct);
  REQUIRE(resolve_host_relay(*direct));
  CHECK(direct->relay_host.empty());  // --listen wins over the environment
  ::setenv("ELFDESK_RELAY", "no port here", 1);
  auto bad = parse({});
  REQUIRE(bad);
  auto resolved = resolve_host_relay(*bad);
  REQUIRE_FALSE(resolved);
  CHECK(resolved.error().detail.find("ELFDESK_RELAY") != std::string::npos);
  CHECK_FALSE(parse({"--relay", "r:1", "--listen", "127.0.0.1:0"}));
  CHECK_FALSE(parse({"--relay", "r:1", "--connect", "127.0.0.1:9"}));
  ::unsetenv("ELFDESK_RELAY");
  ::unsetenv("ELFDESK_SYSTEM_CONFIG");
  ::unsetenv("XDG_CONFIG_HOME");
}
