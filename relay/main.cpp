// elfdesk-relay: parses options, loads the certificate, opens the directory (memory or Redis), the
// event log and metrics, then runs the server on this (the network) thread until SIGTERM/SIGINT.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "relay/redis_directory.hpp"
#include "relay/relay_options.hpp"
#include "relay/relay_server.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitNetwork = 10;

// Every registration holds a socket: 10,000 of them need more than the usual soft limit of 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int fail(int code, const std::string& text) {
  std::fprintf(stderr, "elfdesk-relay: %s\n", text.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace elfdesk::relay;
  std::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes to the sockets itself: a vanished peer is an error, not a signal
  elfdesk::log::set_level_from_env(elfdesk::log::Level::warn);
  auto options = parse_relay_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) return fail(kExitUsage, options.error().detail + "\nTry 'elfdesk-relay --help'.");
  if (options->show_help) {
    std::fputs(relay_usage().c_str(), stdout);
    return 0;
  }
  if (options->show_version) {
    std::puts("elfdesk-relay " ELFDESK_VERSION);
    return 0;
  }
  raise_descriptor_limit();
  auto tls = make_relay_server_context(options->cert_file, options->key_file);
  if (!tls) return fail(kExitUsage, tls.error().detail);
  auto log = EventLog::open(options->log_file);
  if (!log) return fail(kExitUsage, log.error().detail);

  asio::io_context io(1);
  std::unique_ptr<Directory> directory;
  if (options->redis) {
    auto redis = RedisDirectory::open(io.get_executor(), options->redis->first, options->redis->second, options->advertise);
    if (!redis) return fail(kExitNetwork, redis.error().detail);
    directory = std::move(*redis);
  } else {
    directory = std::make_unique<MemoryDirectory>(options->advertise);
  }
  Metrics metrics;
  elfdesk::SteadyClock clock;
  RelayConfig config{options->advertise, options->ttl, options->max_sessions, options->limits};
  RelayServer server(io.get_executor(), tls->get(), config, *directory, *log, metrics, clock);
  if (auto ok = server.listen(options->listen.first, options->listen.second); !ok) return fail(kExitNetwork, ok.error().detail);
  std::unique_ptr<MetricsServer> metrics_server;
  if (options->metrics) {
    auto opened = MetricsServer::open(io.get_executor(), options->metrics->first, options->metrics->second, metrics);
    if (!opened) return fail(kExitNetwork, opened.error().detail);
    metrics_server = std::move(*opened);
    metrics_server->start();
  }
  server.start();
  std::fprintf(stderr, "elfdesk-relay: listening on %s:%u (advertised as %s), directory %s\n",
               options->listen.first.c_str(), server.port(), options->advertise.c_str(),
               options->redis ? "redis" : "in memory");

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (ec) return;
    server.stop();
    if (metrics_server) metrics_server->stop();
    // Give the closing connections a moment to give their ids back, then end.
    auto done = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(200));
    done->async_wait([&io, done](const asio::error_code&) { io.stop(); });
  });
  io.run();
  return 0;
}
