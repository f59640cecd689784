#include "client/cli/remote_command.hpp"

#include <cstdio>
#include <fstream>

#include "client/core/tls_setup.hpp"
#include "common/auth/session_code.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

std::expected<RemoteTarget, Error> parse_remote_target(const ParsedArgs& args, std::uint32_t permissions) {
  RemoteTarget t;
  auto& o = t.options;
  std::string where;
  if (args.has("listen")) {
    where = args.get("listen");
    o.listen = true;
  } else if (!args.positional.empty()) {
    where = args.positional[0];
  } else {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "missing ADDR:PORT of the host (or --listen ADDR:PORT)"));
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
  // Checked here, before anything is dialled: a mistyped code is the engineer's usage error, not a network one.
  if (auto digits = auth::normalize_session_code(o.code); !digits) {
    return std::unexpected(make_error(ErrorCode::malformed, "malformed code '" + o.code + "': " + digits.error().detail +
                                                                "; quote a code that contains spaces, e.g. "
                                                                "--code \"123 456 789 012\""));
  }
  o.name = args.get("name", default_engineer_name());
  o.permissions = permissions;
  o.capabilities = protocol::capability::kAll;
  return t;
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
