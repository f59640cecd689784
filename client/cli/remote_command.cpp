#include "client/cli/remote_command.hpp"

#include <cstdio>
#include <fstream>

#include "common/auth/tls_context.hpp"
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
  o.name = args.get("name", default_engineer_name());
  o.permissions = permissions;
  o.capabilities = protocol::capability::kAll;
  return t;
}

int run_remote(RemoteTarget target, SessionBody body) {
  asio::io_context io(1);
  auto tls = auth::make_engineer_tls_context();
  if (!target.quiet) {
    target.options.on_state = [](SessionState s) { std::fprintf(stderr, "elfdesk: %s...\n", describe(s)); };
    target.options.on_listening = [](std::uint16_t port) {
      std::fprintf(stderr, "elfdesk: listening on port %u for the host\n", port);
    };
  }
  int exit_code = 10;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto session = co_await open_engineer_session(tls, target.options);
    if (!session) {
      std::fprintf(stderr, "elfdesk: %s\n", session.error().detail.c_str());
      exit_code = exit_code_for(session.error());
      co_return;
    }
    exit_code = co_await body(*session);
    session->connection->close(protocol::GoodbyeReason::ended_by_engineer, "");
  }, asio::detached);
  io.run();
  return exit_code;
}

}  // namespace elfdesk::client
