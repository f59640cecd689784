// `elfdesk view`'s network thread: opens the session, runs its SessionCore, hands pictures to the
// UpdateQueue and the rest to the MainMailbox, and serves the control socket through the core's probe
// client. Constructed, started and finished on the main thread; the session lives on its own thread, which
// the main thread reaches only through post(). Owns that thread and the session core. A drop without a
// Goodbye is not the end: it says "reconnecting..." and resumes the session for up to the resume window.
#pragma once
#include <asio.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/cli/control_socket.hpp"
#include "client/core/engineer_session.hpp"
#include "client/core/main_mailbox.hpp"
#include "client/core/session_core.hpp"
#include "client/present/update_queue.hpp"
#include "common/resume_timing.hpp"

namespace elfdesk::client {

// What the viewer's two threads share; owned by run_view_command, so it outlives both.
struct ViewerShared {
  UpdateQueue updates;
  MainMailbox mailbox;
  SessionStats stats;
  // Main thread only (set by mailbox tasks): what the window title says.
  std::string host_name;
  std::string state = "connecting";
  bool connected = false;  // the session is up: messages sent now reach the host
  std::uint32_t granted = 0;  // permissions the customer granted (protocol::permission), once connected
  // Main thread only: what the window says while there is no picture to show (connecting, waiting for
  // consent); empty once the session is up.
  std::string status;
  // Main thread only: the chat so far ("HH:MM:SS sender: text") and a transfer's progress or outcome.
  std::vector<std::string> chat_lines;
  std::string transfer_status;
  // Main thread only: the host's monitors and which one is shown (the newest MonitorList; empty until the
  // host sends one). The viewer asks for another with send(protocol::MonitorSelect{index}).
  protocol::MonitorList monitors;
};

class ViewerNetwork {
 public:
  // `stop_window` ends the main thread's loop when the session is over; `control` may be null.
  ViewerNetwork(asio::io_context& io, EngineerOptions options, ViewerShared& shared, std::function<void()> stop_window,
                ControlSocketServer* control);
  ~ViewerNetwork();  // finishes
  ViewerNetwork(const ViewerNetwork&) = delete;
  ViewerNetwork& operator=(const ViewerNetwork&) = delete;

  // Main thread, before start(): every chat line is also appended to `path` (view --transcript).
  void set_transcript(std::string path) { transcript_ = std::move(path); }
  // Main thread, before start(): ask the host for monitor `index` (-1: all) once its first list came
  // (view --monitor).
  void set_start_monitor(int index) { start_monitor_ = index; }
  void start();
  // Main thread: runs `task` on the network thread with the session core, if the session is up.
  void post(std::function<void(SessionCore&)> task);
  void send(protocol::Message message);
  // Main thread: says goodbye (if the session is up), lets the network thread end, joins it.
  void finish();
  int exit_code() const { return exit_code_; }

 private:
  void run();
  asio::awaitable<void> session(asio::ssl::context& tls);
  asio::awaitable<void> stream(asio::ssl::context& tls);
  // The connection dropped: resume on a new one within the window. Empty when resumed, else why it ended.
  asio::awaitable<std::optional<std::string>> reconnect(asio::ssl::context& tls, const Error& lost);
  void show_state(std::string state, std::string status);
  // Ends the viewer; `why` (unless empty) goes to stderr and the window title.
  void end(int exit_code, const std::string& why = {});
  void start_chat();
  // Each MonitorList: to the main thread (ViewerShared::monitors), to control-socket requests waiting
  // for it, and the first one answered with --monitor's choice.
  void on_monitors(const protocol::MonitorList& list);
  void monitor_request(const nlohmann::json& request, std::function<void(ControlSocketServer::OtherReply)> reply);
  // The control socket's requests other than probe calls: chat, chat_log, save_transcript, push, pull.
  void control_request(const nlohmann::json& request, std::function<void(ControlSocketServer::OtherReply)> reply);

  asio::io_context& io_;
  EngineerOptions options_;
  ViewerShared& shared_;
  std::function<void()> stop_window_;
  ControlSocketServer* control_;
  std::string transcript_;
  ResumeTiming timing_ = resume_timing();
  std::optional<int> start_monitor_;  // network thread after start(): taken by the first MonitorList
  std::vector<std::function<void(ControlSocketServer::OtherReply)>> monitor_replies_;  // network thread
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<SessionCore> core_;  // network thread only
  bool closing_ = false;               // network thread: finish() came, maybe before core_ existed
  std::atomic<int> exit_code_{0};
  std::thread thread_;
};

}  // namespace elfdesk::client
