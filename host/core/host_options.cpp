#include "host/core/host_options.hpp"

#include "common/cli_args.hpp"
#include "common/config.hpp"

namespace elfdesk::host {

std::string host_usage() {
  return R"(elfdesk-host: share this computer's screen with a support engineer, with your consent.

Usage: elfdesk-host [options]

Shows a one-time code. Read it to your support engineer; they connect with `elfdesk view CODE` or
`elfdesk diag CODE`. You are asked before anything is shown, and can end the session at any time.

With a relay configured (--relay, ELFDESK_RELAY, or `relay = "host:port"` in /etc/elfdesk/elfdesk.conf
or ~/.config/elfdesk/elfdesk.conf), elfdesk-host dials out to it and listens on no port: the code is all
the engineer needs, across NAT and firewalls. The relay sees only encrypted bytes.

Connection:
  --relay ADDR:PORT      register at this elfdesk-relay (overrides ELFDESK_RELAY and the config files)
  --relay-ca PEM         trust only this CA for the relay's certificate (default: the system's; also
                         ELFDESK_RELAY_CA, `relay_ca = "/path/ca.pem"` in the config files)
  --listen ADDR:PORT     no relay: listen for the engineer (default without a relay: 127.0.0.1:7417;
                         port 0 = any free port)
  --connect ADDR:PORT    no relay, reverse mode: dial out to an engineer running `elfdesk view --listen`
Screen:
  --display :N           X display to share (default $DISPLAY)
  --monitor N            share only monitor N (XRandR order, from 0)
  --fake-screen          share a generated test pattern (demos and tests without X)
Code and consent:
  --code-ttl SECONDS     how long a code stays valid (default 600)
  --code-file PATH       also write the current code to PATH (mode 0600)
  --consent ask|accept   ask the customer (default) or pre-approve, remedies too (demos, tests; audited)
  --consent-timeout S    seconds to wait for an answer before denying (default 60)
  --ui auto|window|terminal|none   how to show the code and ask (default auto)
  --view-only            the engineer may view but never control (nor run remedies)
  --no-clipboard         do not share the clipboard
  --no-probes            the engineer may not run diagnostics nor remedies (`elfdesk diag`/`fix` are refused)
  --no-files             the engineer may not send or fetch files (`elfdesk files` is refused)
  --max-transfer MIB     largest file or bundle sent either way, in MiB (default 1024)
  --download-dir PATH    where files sent to you land (default: your download folder, else ~/Downloads)
Watching (instead of a session; `elfdesk-host --watch --help` for its options):
  --watch                run the checks every 15 minutes and notify you when something needs attention;
                         must be the first option
Other:
  --audit-log PATH       audit log (JSON lines; default ~/.local/state/elfdesk/audit.jsonl; '-' = off)
  --max-pending N        at most N connections may be authenticating at once (default 8)
  --max-pending-per-address N  at most N of them from one address (default 2)
  --handshake-timeout S  cut off a connection that has not authenticated after S seconds (default 30)
  --step-timeout S       TLS + Hello, and each step of the code check, must finish within S (default 5)
  --backoff S            after a wrong code, its address waits S seconds before it may try again,
                         doubling with every further wrong code (default 2, at most 300)
  --allow-local-net-checks  network probes may reach loopback, link-local and private addresses
  --once                 exit after the first session ends
  --verbose              more log output
  --help                 this text
  --version              print the version

Exit codes: 0 ok, 2 bad usage or nothing to share (display or monitor not there), 3 the customer's display
closed, 10 network error (cannot listen or dial). A relay that cannot be reached or goes away is reported
and retried (with back-off) until it is back; then a fresh code is shown.
)";
}

std::expected<HostOptions, Error> parse_host_options(const std::vector<std::string>& args) {
  auto parsed = parse_args(args,
                           {"listen", "connect", "relay", "relay-ca", "display", "monitor", "code-ttl", "code-file", "consent",
                            "consent-timeout", "ui", "audit-log", "max-pending", "handshake-timeout",
                            "max-pending-per-address", "step-timeout", "backoff", "max-transfer", "download-dir"},
                           {"help", "view-only", "no-clipboard", "once", "verbose", "fake-screen",
                            "allow-local-net-checks", "no-probes", "no-files"});
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->has("help")) {
    HostOptions help;
    help.show_help = true;
    return help;
  }
  if (!parsed->positional.empty())
    return std::unexpected(make_error(ErrorCode::invalid_argument, "unexpected argument " + parsed->positional[0]));
  HostOptions o;
  if (parsed->has("listen")) {
    auto hp = parse_host_port(parsed->get("listen"), true);
    if (!hp) return std::unexpected(hp.error());
    std::tie(o.listen_host, o.listen_port) = *hp;
  }
  if (parsed->has("connect")) {
    auto hp = parse_host_port(parsed->get("connect"));
    if (!hp) return std::unexpected(hp.error());
    std::tie(o.connect_host, o.connect_port) = *hp;
  }
  o.direct = parsed->has("listen") || parsed->has("connect");
  o.relay_arg = parsed->get("relay");
  o.relay_ca_arg = parsed->get("relay-ca");
  if (o.direct && parsed->has("relay"))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "--relay cannot be combined with --listen or --connect"));
  if (parsed->has("relay") && o.relay_arg.empty())
    return std::unexpected(make_error(ErrorCode::invalid_argument, "--relay needs ADDR:PORT"));
  o.display = parsed->get("display");
  auto number = [&](const char* name, long min, long max, long fallback) -> std::expected<long, Error> {
    return parsed->has(name) ? parse_number(parsed->get(name), min, max, std::string("--") + name) : fallback;
  };
  auto monitor = number("monitor", 0, 63, -1);
  auto ttl = number("code-ttl", 5, 86400, 600);
  auto consent_timeout = number("consent-timeout", 1, 3600, 60);
  auto pending = number("max-pending", 1, 256, 8);
  auto handshake = number("handshake-timeout", 1, 300, 30);
  auto per_address = number("max-pending-per-address", 1, 256, 2);
  auto step = number("step-timeout", 1, 300, 5);
  auto backoff = number("backoff", 0, 300, 2);
  auto max_transfer = number("max-transfer", 1, 1L << 20, 1024);
  for (auto* n : {&monitor, &ttl, &consent_timeout, &pending, &handshake, &per_address, &step, &backoff, &max_transfer})
    if (!*n) return std::unexpected(n->error());
  o.monitor = static_cast<int>(*monitor);
  o.code_ttl = std::chrono::seconds(*ttl);
  o.consent_timeout = std::chrono::seconds(*consent_timeout);
  o.max_pending_handshakes = static_cast<int>(*pending);
  o.handshake_deadline = std::chrono::seconds(*handshake);
  o.max_pending_per_address = static_cast<int>(*per_address);
  o.step_deadline = std::chrono::seconds(*step);
  o.first_backoff = std::chrono::seconds(*backoff);
  o.allow_local_net_checks = parsed->has("allow-local-net-checks");
  o.code_file = parsed->get("code-file");
  const std::string consent = parsed->get("consent", "ask");
  if (consent != "ask" && consent != "accept")
    return std::unexpected(make_error(ErrorCode::invalid_argument, "--consent must be ask or accept"));
  o.consent = consent == "accept" ? ConsentMode::accept : ConsentMode::ask;
  const std::string ui = parsed->get("ui", "auto");
  if (ui == "auto") o.ui = UiMode::automatic;
  else if (ui == "window") o.ui = UiMode::window;
  else if (ui == "terminal") o.ui = UiMode::terminal;
  else if (ui == "none") o.ui = UiMode::none;
  else return std::unexpected(make_error(ErrorCode::invalid_argument, "--ui must be auto, window, terminal or none"));
  o.view_only = parsed->has("view-only");
  o.clipboard = !parsed->has("no-clipboard");
  o.probes = !parsed->has("no-probes");
  o.files = !parsed->has("no-files");
  o.max_transfer_bytes = static_cast<std::uint64_t>(*max_transfer) << 20;
  o.download_dir = parsed->get("download-dir");
  o.audit_log = parsed->get("audit-log");
  o.once = parsed->has("once");
  o.verbose = parsed->has("verbose");
  o.fake_screen = parsed->has("fake-screen");
  if (o.ui == UiMode::none && o.consent == ConsentMode::ask)
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "--ui none cannot ask the customer: use --consent accept"));
  return o;
}

std::expected<void, Error> resolve_host_relay(HostOptions& o) {
  if (o.direct) return {};
  auto cli = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
  auto settings = resolve_relay_settings(cli(o.relay_arg), cli(o.relay_ca_arg));
  if (!settings) return std::unexpected(settings.error());
  if (settings->relay.empty()) return {};  // no relay anywhere: listen as before
  auto hp = parse_host_port(settings->relay);
  if (!hp) return std::unexpected(make_error(ErrorCode::invalid_argument,
                                             "relay from " + settings->source + ": " + hp.error().detail));
  std::tie(o.relay_host, o.relay_port) = *hp;
  o.relay_ca = settings->relay_ca;
  return {};
}

}  // namespace elfdesk::host
