#include "relay/relay_options.hpp"

#include "common/cli_args.hpp"

namespace elfdesk::relay {
namespace {

std::unexpected<Error> usage_error(std::string text) {
  return std::unexpected(make_error(ErrorCode::invalid_argument, std::move(text)));
}

std::expected<HostPort, Error> parse_redis(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return usage_error("--directory takes redis://HOST:PORT, got '" + url + "'");
  auto where = parse_host_port(url.substr(kScheme.size()));
  if (!where) return std::unexpected(where.error());
  if (where->first.empty()) return usage_error("--directory needs a host: redis://HOST:PORT");
  return where;
}

bool unspecified(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

}  // namespace

std::string relay_usage() {
  return "elfdesk-relay: rendezvous and relay for elfdesk sessions across NAT.\n\n"
         "Usage: elfdesk-relay --listen ADDR:PORT --cert PEM --key PEM [--directory redis://HOST:PORT]\n"
         "                     [--advertise ADDR:PORT] [--metrics ADDR:PORT] [--ttl S] [--max-sessions N]\n"
         "                     [--log FILE] [--limit NAME=VALUE]...\n"
         "       elfdesk-relay --help | --version\n\n"
         "Hosts register over TLS 1.3 and get a 6-digit id (the first half of the code they show); engineers\n"
         "join by id and the relay splices the two connections. It sees only the session's ciphertext.\n\n"
         "  --listen ADDR:PORT      where hosts and engineers connect (TLS 1.3)\n"
         "  --cert PEM, --key PEM   this relay's certificate chain and key (what the endpoints verify)\n"
         "  --directory redis://HOST:PORT  share ids with other nodes through Redis (default: in memory)\n"
         "  --advertise ADDR:PORT   this node as engineers reach it, for redirects (default: --listen)\n"
         "  --metrics ADDR:PORT     serve Prometheus text metrics over plain HTTP here\n"
         "  --ttl S                 an id lives at most S seconds (default 600)\n"
         "  --max-sessions N        spliced sessions (and joins waiting for their host) at most (default 2000)\n"
         "  --log FILE              JSON-lines event log (ids hashed; default standard output)\n"
         "  --limit NAME=VALUE      change one limit (durations in milliseconds); the limits and defaults:\n" +
         describe_limits(RelayLimits{}) +
         "\nExit codes: 0 stopped by SIGTERM/SIGINT, 2 bad usage (or unreadable certificate/key), 10 cannot\n"
         "listen or reach the directory at start.\n";
}

std::expected<RelayOptions, Error> parse_relay_options(const std::vector<std::string>& args) {
  auto parsed = parse_args(args, {"listen", "cert", "key", "directory", "advertise", "metrics", "ttl", "max-sessions",
                                  "log", "limit"},
                           {"help", "version"});
  if (!parsed) return std::unexpected(parsed.error());
  RelayOptions options;
  options.show_help = parsed->has("help");
  options.show_version = parsed->has("version");
  if (options.show_help || options.show_version) return options;
  if (!parsed->positional.empty()) return usage_error("unexpected argument '" + parsed->positional.front() + "'");
  for (const char* required : {"listen", "cert", "key"})
    if (!parsed->has(required)) return usage_error(std::string("--") + required + " is required");
  auto listen = parse_host_port(parsed->get("listen"), true);
  if (!listen) return std::unexpected(listen.error());
  options.listen = *listen;
  options.cert_file = parsed->get("cert");
  options.key_file = parsed->get("key");
  if (parsed->has("directory")) {
    auto redis = parse_redis(parsed->get("directory"));
    if (!redis) return std::unexpected(redis.error());
    options.redis = *redis;
  }
  if (parsed->has("advertise")) {
    auto advertise = parse_host_port(parsed->get("advertise"));
    if (!advertise || advertise->first.empty()) return usage_error("--advertise takes HOST:PORT");
    options.advertise = parsed->get("advertise");
  } else if (options.redis && (unspecified(options.listen.first) || options.listen.second == 0)) {
    return usage_error("--directory needs --advertise ADDR:PORT when --listen names no single address and port");
  } else {
    options.advertise = options.listen.first + ":" + std::to_string(options.listen.second);
  }
  if (parsed->has("metrics")) {
    auto metrics = parse_host_port(parsed->get("metrics"), true);
    if (!metrics) return std::unexpected(metrics.error());
    options.metrics = *metrics;
  }
  if (parsed->has("ttl")) {
    auto ttl = parse_number(parsed->get("ttl"), 10, 86400, "--ttl");
    if (!ttl) return std::unexpected(ttl.error());
    options.ttl = std::chrono::seconds(*ttl);
  }
  if (parsed->has("max-sessions")) {
    auto cap = parse_number(parsed->get("max-sessions"), 1, 10'000'000, "--max-sessions");
    if (!cap) return std::unexpected(cap.error());
    options.max_sessions = static_cast<std::size_t>(*cap);
  }
  options.log_file = parsed->get("log");
  for (const auto& assignment : parsed->all("limit"))
    if (auto ok = apply_limit(options.limits, assignment); !ok) return std::unexpected(ok.error());
  return options;
}

}  // namespace elfdesk::relay
