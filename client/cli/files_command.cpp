// `elfdesk files push|pull` and `elfdesk bundle`: one transfer over a session of its own, with progress
// on stderr and the verified SHA-256 on stdout. Thin commands on SessionCore's TransferClient.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include <filesystem>

#include "client/cli/commands.hpp"
#include "client/cli/control_socket.hpp"
#include "client/cli/remote_command.hpp"

namespace elfdesk::client {
namespace {

// While the customer is asked to allow a transfer (up to a minute), directly or through a viewer.
constexpr char kWaitingForCustomer[] = "elfdesk: waiting for the customer to allow the transfer...\n";

const char* kFilesUsage = R"(Usage: elfdesk files push (CODE | ADDR:PORT --code CODE) LOCAL_FILE
       elfdesk files pull (CODE | ADDR:PORT --code CODE) REMOTE_PATH --out LOCAL_FILE
       elfdesk files push|pull --session PATH ...   through a running `elfdesk view` (its control socket)

Sends a file to the customer (it lands in their download folder, never over an existing file) or fetches
one of their files (only what their user can read; regular files only). The customer approves each
transfer in their window and sees its name and size. The SHA-256 is checked on both ends.

  --code CODE | --code-file PATH   the customer's one-time code
  --listen ADDR:PORT     reverse mode: wait for the host to dial in
  --relay ADDR:PORT      through this elfdesk-relay when a CODE is given (default: ELFDESK_RELAY, else
                         `relay` in the config files); --relay-ca PEM trusts only that CA for it
  --name NAME            your name as the customer sees it (default user@host)
  --out PATH             pull: where to save the file (written as PATH.part, renamed once verified)
  --quiet                no progress on stderr
  --help                 this text

Prints "sha256 BYTES PATH" on success (PATH: where it landed on the other side for push, --out for pull).
Exit codes: 0 ok, 2 bad usage (also a local file that cannot be read), 4 the transfer failed (too large,
not readable, damaged on the way), 12 declined by the customer; session errors 10, 11, 13, 14 as for view.
)";

const char* kBundleUsage = R"(Usage: elfdesk bundle (CODE | ADDR:PORT --code CODE) --out FILE.tar.zst

Downloads a support bundle from the customer's machine after they approve it: triage, every probe's
report, recent error logs and system facts, with a manifest (manifest.json) of what is inside. Command
lines, secret-named options and URL passwords are masked as in the process probe.

  --code CODE | --code-file PATH, --listen ADDR:PORT, --relay ADDR:PORT, --relay-ca PEM, --name NAME,
  --quiet as for `elfdesk files`
Exit codes: 0 ok, 2 bad usage, 4 failed, 12 declined by the customer; session errors as for view.
)";

// "\relfdesk: sending report.pdf: 45% (22.5 of 50.0 MB)" at most five times a second.
class ProgressLine {
 public:
  ProgressLine(std::string what, bool quiet) : what_(std::move(what)), quiet_(quiet) {}
  void update(std::uint64_t done, std::uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (quiet_ || (now - last_ < std::chrono::milliseconds(200) && done != total)) return;
    last_ = now;
    std::fprintf(stderr, "\relfdesk: %s: %3llu%% (%.1f of %.1f MB)", what_.c_str(),
                 static_cast<unsigned long long>(total ? done * 100 / total : 100), static_cast<double>(done) / 1e6,
                 static_cast<double>(total) / 1e6);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fputc('\n', stderr);
  }

 private:
  std::string what_;
  bool quiet_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

using Start = std::function<void(TransferClient&, TransferClient::Progress, TransferClient::Finished)>;

asio::awaitable<int> run_transfer(SessionCore& core, Start start, std::string what, bool quiet) {
  auto outcome = std::make_shared<std::optional<TransferOutcome>>();
  auto progress = std::make_shared<ProgressLine>(std::move(what), quiet);
  start(core.transfers(), [progress](std::uint64_t done, std::uint64_t total) { progress->update(done, total); },
        [outcome](TransferOutcome o) { *outcome = std::move(o); });
  // The customer is asked now (up to a minute): say so, as for the session itself.
  if (!quiet && !*outcome) std::fputs(kWaitingForCustomer, stderr);
  while (!*outcome) {
    auto event = co_await core.next(std::chrono::seconds(180));
    if (!event) co_return report_session_error(event.error());
    if (event->goodbye) {
      std::fprintf(stderr, "\nelfdesk: session ended: %s\n", describe_goodbye(*event->goodbye).c_str());
      co_return exit_code_for_goodbye(*event->goodbye) == 0 ? kTransferFailedExit : exit_code_for_goodbye(*event->goodbye);
    }
  }
  progress->finish();
  const TransferOutcome& o = **outcome;
  if (o.exit_code != 0) {  // a refusal's reason says it was declined ("declined by the customer", "... in time")
    std::fprintf(stderr, "elfdesk: %s%s\n", o.exit_code == kTransferDeclinedExit ? "" : "transfer failed: ",
                 o.message.c_str());
    co_return o.exit_code;
  }
  std::printf("%s %llu %s\n", o.sha256_hex.c_str(), static_cast<unsigned long long>(o.bytes), o.path.c_str());
  std::fflush(stdout);
  co_return 0;
}

// Through a running viewer: its session carries the transfer beside the picture and the engineer's input.
int run_over_viewer(const std::string& socket, bool push, const std::string& path, const std::string& out, bool quiet) {
  namespace fs = std::filesystem;
  const nlohmann::json request = push ? nlohmann::json{{"push", fs::absolute(path).string()}}
                                      : nlohmann::json{{"pull", path}, {"out", fs::absolute(out).string()}};
  if (!quiet) std::fputs(kWaitingForCustomer, stderr);
  auto reply = exchange_over_control_socket(socket, request, std::chrono::minutes(30));
  if (!reply) {
    std::fprintf(stderr, "elfdesk files: %s\n", reply.error().message.c_str());
    return reply.error().exit_code;
  }
  std::printf("%s %llu %s\n", reply->value("sha256", "").c_str(),
              static_cast<unsigned long long>(reply->value("bytes", 0ull)), reply->value("path", "").c_str());
  return 0;
}

int usage(const char* command, const std::string& detail) {
  std::fprintf(stderr, "elfdesk %s: %s\nTry 'elfdesk %s --help'.\n", command, detail.c_str(), command);
  return 2;
}

}  // namespace

int run_files_command(const std::vector<std::string>& words) {
  if (!words.empty() && (words[0] == "--help" || words[0] == "-h")) return std::fputs(kFilesUsage, stdout), 0;
  if (words.empty() || (words[0] != "push" && words[0] != "pull")) return usage("files", "say push or pull");
  const bool push = words[0] == "push";
  auto args = parse_args({words.begin() + 1, words.end()}, {"code", "code-file", "name", "listen", "relay", "relay-ca", "out", "session"},
                         {"help", "quiet"});
  if (args && args->has("help")) return std::fputs(kFilesUsage, stdout), 0;
  if (!args) return usage("files", args.error().detail);
  // ADDR:PORT (unless --listen) then the path.
  const std::size_t path_at = args->has("listen") || args->has("session") ? 0 : 1;
  if (args->positional.size() != path_at + 1) return usage("files", push ? "give one LOCAL_FILE" : "give one REMOTE_PATH");
  const std::string path = args->positional[path_at];
  struct stat st {};
  if (push && (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)))
    return usage("files", path + " is not a readable regular file");  // checked before a code is spent
  if (!push && !args->has("out")) return usage("files", "pull needs --out LOCAL_FILE");
  if (auto ok = push ? std::expected<void, Error>{} : check_out_path(args->get("out")); !ok)
    return usage("files", ok.error().detail);  // checked before a code is spent
  if (args->has("session")) return run_over_viewer(args->get("session"), push, path, args->get("out"), args->has("quiet"));
  auto target = parse_remote_target(*args, protocol::permission::kFiles);
  if (!target) return usage("files", target.error().detail);
  target->quiet = args->has("quiet");
  const std::string out = args->get("out");
  const bool quiet = target->quiet;
  return run_remote(std::move(*target), [push, path, out, quiet](SessionCore& core) {
    Start start = [push, path, out](TransferClient& t, TransferClient::Progress p, TransferClient::Finished f) {
      if (push) t.push(path, std::move(p), std::move(f));
      else t.pull(path, out, std::move(p), std::move(f));
    };
    return run_transfer(core, std::move(start), (push ? "sending " : "receiving ") + path, quiet);
  });
}

int run_bundle_command(const std::vector<std::string>& words) {
  auto args = parse_args(words, {"code", "code-file", "name", "listen", "relay", "relay-ca", "out"}, {"help", "quiet"});
  if (args && args->has("help")) return std::fputs(kBundleUsage, stdout), 0;
  if (!args) return usage("bundle", args.error().detail);
  if (!args->has("out")) return usage("bundle", "give --out FILE.tar.zst");
  if (auto ok = check_out_path(args->get("out")); !ok) return usage("bundle", ok.error().detail);
  auto target = parse_remote_target(*args, protocol::permission::kProbes);
  if (!target) return usage("bundle", target.error().detail);
  target->quiet = args->has("quiet");
  const std::string out = args->get("out");
  const bool quiet = target->quiet;
  return run_remote(std::move(*target), [out, quiet](SessionCore& core) {
    Start start = [out](TransferClient& t, TransferClient::Progress p, TransferClient::Finished f) {
      t.bundle(out, std::move(p), std::move(f));
    };
    return run_transfer(core, std::move(start), "receiving the support bundle", quiet);
  });
}

}  // namespace elfdesk::client
