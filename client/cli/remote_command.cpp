#include "client/cli/remote_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "client/core/tls_setup.hpp"
#include "common/auth/session_code.hpp"
#include "common/config.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

namespace {

// A first argument of digits, dashes and spaces is a code (`elfdesk view 123-456-789-012`), not ADDR:PORT.
bool looks_like_code(const std::string& text) {
  return text.find_first_of("0123456789") != std::string::npos &&
         text.find_first_not_of("0123456789- ") == std::string::npos;
}

std::expected<void, Error> use_relay(const ParsedArgs& args, EngineerOptions& o) {
  if (args.has("code") || args.has("code-file"))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "give the code once: either as the first argument "
                                                                   "(through the relay) or with --code and ADDR:PORT"));
  auto optional = [&](const char* name) {
    return args.has(name) ? std::optional<std::string>(args.get(name)) : std::nullopt;
  };
  auto settings = resolve_relay_settings(optional("relay"), optional("relay-ca"));
  if (!settings) return std::unexpected(settings.error());
  if (settings->relay.empty())
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "no relay configured for a code alone: use --relay ADDR:PORT, ELFDESK_RELAY, or "
                                      "relay = \"host:port\" in ~/.config/elfdesk/elfdesk.conf (or ADDR:PORT --code CODE)"));
  auto hp = parse_host_port(settings->relay);
  if (!hp) return std::unexpected(make_error(ErrorCode::invalid_argument, "relay from " + settings->source + ": " +
                                                                              hp.error().detail));
  std::tie(o.host, o.port) = *hp;
  o.relay_ca = settings->relay_ca;
  o.via_relay = true;
  o.code = args.positional[0];
  return {};
}

// ADDR:PORT (or --listen ADDR:PORT) and --code CODE (or --code-file PATH): the host directly.
std::expected<void, Error> use_direct(const ParsedArgs& args, EngineerOptions& o) {
  if (args.has("relay") || args.has("relay-ca"))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "--relay goes with a code: elfdesk COMMAND CODE --relay ADDR:PORT"));
  std::string where;
  if (args.has("listen")) {
    where = args.get("listen");
    o.listen = true;
  } else if (!args.positional.empty()) {
    where = args.positional[0];
  } else {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "missing the code (or ADDR:PORT of the host, or --listen ADDR:PORT)"));
  }
  auto hp = parse_host_port(where, o.listen);
  if (!hp) return std::unexpected(hp.error());
  std::tie(o.host, o.port) = *hp;
  if (args.has("code")) {
    o.code = args.get("code");
  } else if (args.has("code-file")) {
    std::ifstream in(args.get("code-file"));
    if (!in || !std::getline(in, o.code))
      return std::unexpected(make_error(ErrorCode::invalid_argument, "cannot read the code from " + args.get("code-file")));
  } else {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "missing --code CODE (the customer reads it to you)"));
  }
  return {};
}

}  // namespace

std::expected<RemoteTarget, Error> parse_remote_target(const ParsedArgs& args, std::uint32_t permissions) {
  RemoteTarget t;
  auto& o = t.options;
  const bool code_first = !args.has("listen") && !args.positional.empty() && looks_like_code(args.positional[0]);
  if (auto ok = code_first ? use_relay(args, o) : use_direct(args, o); !ok) return std::unexpected(ok.error());
  // Checked here, before anything is dialled: a mistyped code is the engineer's usage error, not a network one.
  if (auto digits = auth::normalize_session_code(o.code); !digits) {
    return std::unexpected(make_error(ErrorCode::malformed, "malformed code '" + o.code + "': " + digits.error().detail +
                                                                "; quote a code that contains spaces, e.g. "
                                                                "--code \"123 456 789 012\""));
  }
  o.name = args.get("name", default_engineer_name());
  o.permissions = permissions;
  // Only `view` resumes after a drop (ViewerNetwork adds kResume): a one-shot command just fails.
  o.capabilities = protocol::capability::kAll & ~protocol::capability::kResume;
  return t;
}

std::expected<void, Error> check_out_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string folder = fs::path(path).has_parent_path() ? fs::path(path).parent_path().string() : ".";
  std::string why;
  if (fs::is_directory(path, ec)) why = "is a folder: give a file name in it";
  else if (!fs::is_directory(folder, ec)) why = "no folder " + folder;
  else if (::access(folder.c_str(), W_OK | X_OK) != 0) why = "cannot write in " + folder + ": " + std::strerror(errno);
  if (why.empty()) return {};
  return std::unexpected(make_error(ErrorCode::invalid_argument, "--out " + path + ": " + why));
}

int report_session_error(const Error& error) {
  std::fprintf(stderr, "elfdesk: %s\n", error.detail.c_str());
  return exit_code_for(error);
}

int run_remote(RemoteTarget target, SessionBody body) {
  auto tls = engineer_tls_context();
  if (!tls) {
    std::fprintf(stderr, "elfdesk: %s\n", tls.error().detail.c_str());
    return 1;
  }
  if (!target.quiet) {
    target.options.on_state = [](SessionState s) { std::fprintf(stderr, "elfdesk: %s...\n", describe(s)); };
    target.options.on_listening = [](std::uint16_t port) {
      std::fprintf(stderr, "elfdesk: listening on port %u for the host\n", port);
    };
  }
  asio::io_context io(1);
  int exit_code = 10;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto session = co_await open_engineer_session(*tls, target.options);
    if (!session) {
      exit_code = report_session_error(session.error());
      co_return;
    }
    const auto connection = session->connection;
    auto core = SessionCore::create(std::move(*session));
    if (!core) {
      std::fprintf(stderr, "elfdesk: %s\n", core.error().detail.c_str());
      connection->close(protocol::GoodbyeReason::ended_by_engineer, "");
      exit_code = 1;
      co_return;
    }
    exit_code = co_await body(**core);
    (*core)->close("the session ended");
  }, asio::detached);
  io.run();
  return exit_code;
}

}  // namespace elfdesk::client
