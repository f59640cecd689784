// One admitted engineer session: the receive loop, the picture receiver, the probe, chat and transfer clients and the hand-off
// of cursor and clipboard towards the main thread. `view`, `screenshot`, `diag` and the viewer's control
// socket are thin commands on it. Network thread (the io_context the Connection runs on); the optional
// MainMailbox and SessionStats are the command's, shared with its main thread, and must outlive the core.
#pragma once
#include <asio.hpp>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>

#include "client/core/chat_client.hpp"
#include "client/core/engineer_session.hpp"
#include "client/core/main_mailbox.hpp"
#include "client/core/probe_client.hpp"
#include "client/core/remedy_client.hpp"
#include "client/core/transfer_client.hpp"
#include "client/decode/picture_receiver.hpp"
#include "common/clock.hpp"

namespace elfdesk::client {

// What next() returns to the command for one message: a picture to show (or apply) and then acknowledge,
// the host's Goodbye, or neither (the core handled the message itself).
struct SessionEvent {
  std::optional<PictureUpdate> picture;
  std::optional<protocol::Goodbye> goodbye;
};

struct SessionLinks {
  MainMailbox* mailbox = nullptr;  // cursor and clipboard; dropped without
  SessionStats* stats = nullptr;
  const Clock* clock = nullptr;    // decode timing; the real clock without
};

class SessionCore {
 public:
  static std::expected<std::unique_ptr<SessionCore>, Error> create(EngineerSession session, SessionLinks links = {});

  // Receives one message, or an error: ErrorCode::timeout when none came for `wait` (the connection's idle
  // limit without one), ErrorCode::closed after we closed. Cursor and clipboard go to the mailbox, probe
  // results to probes() (whose answers run here); a picture that cannot be decoded is answered with a
  // keyframe request here.
  asio::awaitable<std::expected<SessionEvent, Error>> next(std::optional<std::chrono::milliseconds> wait = {});

  // After `picture` was shown at `shown_us` (monotonic_us(); 0 when only applied, as screenshot does): sends
  // the FrameAck (the host's flow control counts a picture as done only now; acks are cumulative, so the
  // newest of a batch stands for all) and updates the statistics.
  void acknowledge(const PictureStamp& picture, std::uint64_t shown_us);
  void request_keyframe();
  void send(protocol::Message message);
  // Says goodbye and answers every pending probe call with `why`.
  void close(const std::string& why);

  // The connection dropped without a Goodbye: answers every pending probe, remedy and transfer call with
  // `why` (their answers were lost with it). Input sent from now on is dropped, never queued for later.
  void connection_lost(const std::string& why);
  // The session resumed on `connection` (resume_engineer_session): everything goes over it from now on.
  void resume_on(std::shared_ptr<Connection> connection);
  // The secret that resumes this session after a drop; empty when the host cannot resume.
  std::optional<auth::ResumeSecret>& resume_secret() { return session_.resume; }

  // close() was called: a connection that ends now ends because we ended it, not because the host went away.
  bool closed_by_us() const { return closed_by_us_; }

  ProbeClient& probes() { return probes_; }
  RemedyClient& remedies() { return remedies_; }
  ChatClient& chat() { return chat_; }
  TransferClient& transfers() { return transfers_; }
  const EngineerSession& session() const { return session_; }
  // The host's newest MonitorList (none before the first, or from a host without kMonitors), and who
  // hears of each one as it arrives (network thread).
  const std::optional<protocol::MonitorList>& monitors() const { return monitors_; }
  void set_on_monitors(std::function<void(const protocol::MonitorList&)> on_monitors) { on_monitors_ = std::move(on_monitors); }
  // The host's SessionInfo (none before it came, or from a host without kSessionInfo), and who hears of it
  // as it arrives (network thread).
  const std::optional<protocol::SessionInfo>& session_info() const { return session_info_; }
  void set_on_session_info(std::function<void(const protocol::SessionInfo&)> on_info) { on_session_info_ = std::move(on_info); }
  Connection& connection() { return *session_.connection; }

 private:
  SessionCore(EngineerSession session, PictureReceiver receiver, SessionLinks links);
  std::optional<PictureUpdate> receive_picture(const protocol::Message& message);
  void handle(protocol::Message& message);
  void record_path(const protocol::PathReport& report);  // into links_.stats, for the overlay and the socket

  EngineerSession session_;
  PictureReceiver receiver_;
  SessionLinks links_;
  ProbeClient probes_;
  RemedyClient remedies_;
  ChatClient chat_;
  TransferClient transfers_;
  std::optional<protocol::MonitorList> monitors_;
  std::function<void(const protocol::MonitorList&)> on_monitors_;
  std::optional<protocol::SessionInfo> session_info_;
  std::function<void(const protocol::SessionInfo&)> on_session_info_;
  bool closed_by_us_ = false;
};

// Why the host ended the session, for a person: never empty (its reason when the host gave no message).
std::string describe_goodbye(const protocol::Goodbye& goodbye);
// The exit code for a session the host ended: 0 when a person ended it (customer, engineer, normal end),
// otherwise the code of what went wrong (10 when the host shut down or timed out: it went away).
int exit_code_for_goodbye(const protocol::Goodbye& goodbye);

}  // namespace elfdesk::client
