// The viewer's local control socket, so `elfdesk diag --session PATH` runs probes over an open `elfdesk
// view` session without a second code. Server: opened on the main thread before any other thread exists
// (umask), then used only on the viewer's network thread. Client: blocking, any thread.
// Wire: one JSON request line, one JSON reply line (docs/probes.md, "Diagnostics over a live viewer").
#pragma once
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/probes/probe_runner.hpp"
#include "common/probes/probe_wire.hpp"
#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

inline constexpr std::size_t kMaxControlCalls = 64;

// $XDG_RUNTIME_DIR/elfdesk/view-<pid>.sock, or /tmp/elfdesk-<uid>/view-<pid>.sock without it. Creates the
// directory 0700 and refuses one that is not a directory of ours closed to others.
std::expected<std::filesystem::path, Error> default_control_socket_path();

class ControlSocketServer {
 public:
  using ProbeAnswer = std::function<void(std::expected<probes::ReceivedReport, Error>)>;
  // Runs one call on the session (the viewer's ProbeClient, which owns the request ids).
  using CallProbe = std::function<void(const probes::ProbeInvocation&, ProbeAnswer)>;
  // Any other request (one without "calls", e.g. {"chat": "text"}): answered through `reply` with the reply
  // object, or (message, exit code), at once or later (a transfer). Network thread.
  using OtherReply = std::expected<nlohmann::json, std::pair<std::string, int>>;
  using OtherRequest = std::function<void(const nlohmann::json& request, std::function<void(OtherReply)> reply)>;

  // Main thread, before other threads start: binds PATH with umask 0177 (mode 0600) and listens. A stale
  // socket of ours at PATH is replaced; a live one or anything else there is an error.
  static std::expected<std::unique_ptr<ControlSocketServer>, Error> open(asio::io_context& io,
                                                                        std::filesystem::path path);
  ~ControlSocketServer();  // after the network thread stopped: closes and removes the socket file
  ControlSocketServer(const ControlSocketServer&) = delete;
  ControlSocketServer& operator=(const ControlSocketServer&) = delete;

  const std::filesystem::path& path() const;

  // Network thread. start(): accept clients (same uid only, SO_PEERCRED) and run their calls through
  // `call`. stop(): answer every waiting client with `why` (exit 10) and stop accepting.
  void start(CallProbe call, OtherRequest other = {});
  void stop(const std::string& why);

 private:
  struct Impl;
  explicit ControlSocketServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// One call's answer as the diag command sees it: the report JSON, or why the host rejected the call.
struct ControlAnswer {
  bool ok = false;
  nlohmann::json report;  // ProbeReport JSON when ok
  std::string error;      // when !ok
};

struct ControlFailure {
  std::string message;
  int exit_code = 10;  // the diag exit code (10-14)
};

// Client: sends `calls` to the viewer at `path`, waits for all answers (in call order). Fails with
// exit 10 when no viewer answers there, or with the viewer's code when it refuses or the session ended.
std::expected<std::vector<ControlAnswer>, ControlFailure> run_over_control_socket(
    const std::filesystem::path& path, const std::vector<probes::ProbeInvocation>& calls,
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(150));

// Client: one request line, one reply object (an {"error": ...} reply becomes the failure).
std::expected<nlohmann::json, ControlFailure> exchange_over_control_socket(
    const std::filesystem::path& path, const nlohmann::json& request,
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));

// The JSON of the request line (shared by both sides and the tests' documentation).
nlohmann::json control_request_json(const std::vector<probes::ProbeInvocation>& calls);

}  // namespace elfdesk::client
