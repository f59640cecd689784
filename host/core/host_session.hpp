// One engineer's admitted session on the host: dispatches their messages (video acks, input, probes,
// clipboard) and streams the screen until either side ends it. Its screen, input and clipboard come from
// the DesktopEnvironment it is given; it never checks which platform that is. Lives on the network
// thread; video capture/encode runs on its own thread and probes on a worker pool, both posting results
// back here. When its connection drops without a Goodbye and `resumes` is open, it waits (the resume
// window) for resume() to hand it a new connection: screen, streamer and audit go on; held keys are
// released at the loss.
#pragma once
#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/connection.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/core/resume_table.hpp"
#include "host/encode/video_encoder.hpp"
#include "host/platform/desktop_environment.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

struct SessionSetup {
  std::string engineer_name;
  std::string peer;
  std::uint32_t permissions = 0;   // protocol::permission bits granted by the customer
  std::uint32_t capabilities = 0;  // negotiated protocol::capability bits
};

struct SessionSummary {
  std::string end_reason;  // e.g. "ended by the customer"
  std::chrono::milliseconds duration{0};
  std::uint64_t bytes_sent = 0, bytes_received = 0;
};

class HostSession : public std::enable_shared_from_this<HostSession> {
 public:
  // desktop: not null. ui: the customer's window for chat and transfer questions; may be null, else it
  // must outlive the session.
  HostSession(std::shared_ptr<Connection> connection, SessionSetup setup, const HostOptions& options,
              AuditLog& audit, std::shared_ptr<const DesktopEnvironment> desktop,  // desktop: not null
              ConsentUi* ui = nullptr,   // asks the customer about each remedy; null: only --consent accept
              ResumeTable* resumes = nullptr,  // open: the session may resume; must outlive the session
              EncoderFactory make_encoder = {});  // the video encoders (SpareEncoder's); empty: VP8 on demand
  ~HostSession();
  asio::awaitable<SessionSummary> run();
  // Ends the session from our side (customer, Ctrl-C, shutdown). Network thread.
  void end(bool by_customer, std::string message);
  // A verified resume (ResumeTable::resume succeeded) on `connection`, authenticated: the session goes on
  // over it; the old connection, if still open, is dropped. `gap`: how long it was without one.
  void resume(std::shared_ptr<Connection> connection, std::chrono::milliseconds gap);

 private:
  asio::awaitable<bool> wait_for_engineer(const Error& lost);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace elfdesk::host
