// `elfdesk chat --session PATH "text"`: chat from a script through a running `elfdesk view` (its
// control socket), and `--show` / `--save FILE` for the transcript. Main thread, blocking.
#include <cstdio>
#include <filesystem>

#include "client/cli/commands.hpp"
#include "client/cli/control_socket.hpp"
#include "common/cli_args.hpp"

namespace elfdesk::client {
namespace {

const char* kUsage = R"(Usage: elfdesk chat --session PATH "TEXT"
       elfdesk chat --session PATH --show
       elfdesk chat --session PATH --save FILE

Sends TEXT to the customer through the running `elfdesk view` whose control socket is PATH (it prints it
at start); the customer reads it in their elfdesk window and can answer there. --show prints the
conversation so far ("HH:MM:SS sender: text"), --save writes it to FILE.
Exit codes: 0 ok, 2 bad usage or text (empty, not UTF-8, over 1000 bytes), 4 not sent (rate limit),
10 no viewer at PATH or its session ended.
)";

}  // namespace

int run_chat_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"session", "save"}, {"help", "show"});
  if (args && args->has("help")) return std::fputs(kUsage, stdout), 0;
  const int given = args ? static_cast<int>(args->positional.size() == 1) + static_cast<int>(args->has("show")) +
                               static_cast<int>(args->has("save"))
                         : 0;
  if (!args || !args->has("session") || given != 1 || args->positional.size() > 1 ||
      (args->has("save") && args->get("save").empty())) {
    std::fprintf(stderr, "elfdesk chat: %s\nTry 'elfdesk chat --help'.\n",
                 args ? "give --session PATH and one of TEXT, --show, --save FILE" : args.error().detail.c_str());
    return 2;
  }
  nlohmann::json request;
  if (args->has("show")) request = {{"chat_log", true}};
  // The viewer writes it: a relative FILE is taken from where this command runs, not where the viewer does.
  else if (args->has("save")) request = {{"save_transcript", std::filesystem::absolute(args->get("save")).string()}};
  else request = {{"chat", args->positional[0]}};
  auto reply = exchange_over_control_socket(args->get("session"), request);
  if (!reply) {
    std::fprintf(stderr, "elfdesk chat: %s\n", reply.error().message.c_str());
    return reply.error().exit_code;
  }
  if (args->has("show"))
    for (const auto& line : reply->value("lines", nlohmann::json::array())) std::printf("%s\n", line.get<std::string>().c_str());
  return 0;
}

}  // namespace elfdesk::client
