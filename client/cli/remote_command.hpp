// What every remote command (view, diag, screenshot) shares: the ADDR:PORT / --code / --name / --listen
// arguments, progress lines on stderr, and running one engineer session to completion on an io_context
// with the exit codes scripts rely on. Start-up and main thread.
#pragma once
#include <asio.hpp>

#include <functional>
#include <set>
#include <string>

#include "client/core/engineer_session.hpp"
#include "client/core/session_core.hpp"
#include "common/cli_args.hpp"

namespace elfdesk::client {

inline const std::set<std::string> kRemoteOptions = {"code", "code-file", "name", "listen", "relay", "relay-ca"};

struct RemoteTarget {
  EngineerOptions options;
  bool quiet = false;
};

// Reads CODE (through the relay from --relay/--relay-ca, ELFDESK_RELAY(_CA) or the config files), or
// ADDR:PORT (or --listen ADDR:PORT) with --code CODE (or --code-file PATH); --name NAME. Every error is
// a usage error; ErrorCode::malformed marks a malformed code (exit kMalformedCodeExit in every command,
// diag included, whose other usage errors are 3).
inline constexpr int kMalformedCodeExit = 2;
std::expected<RemoteTarget, Error> parse_remote_target(const ParsedArgs& args, std::uint32_t permissions);

// --out of screenshot, bundle and files pull: a file name in a folder that exists and can be written,
// checked before anything is dialled, so that the customer is not asked (and no code is spent) for a
// picture or file that cannot be saved. Errors name the option: "--out PATH: no folder DIR".
std::expected<void, Error> check_out_path(const std::string& path);

using SessionBody = std::function<asio::awaitable<int>(SessionCore&)>;
// Opens the session (printing progress unless quiet), runs `body` on its SessionCore, closes politely.
// Returns the exit code: body's result, or exit_code_for(error) with the error printed (1 when the
// client itself cannot start: TLS or decoder set-up).
int run_remote(RemoteTarget target, SessionBody body);

// Prints `error` as the one line "elfdesk: DETAIL" on stderr and returns exit_code_for(error).
int report_session_error(const Error& error);

}  // namespace elfdesk::client
