// elfdesk-host's network side: listens (or dials out in reverse mode), runs TLS + Hello + SPAKE2 for
// every incoming engineer under a deadline and a cap, asks the customer, and runs one session at a time.
// Owns the io_context and the network thread; start()/stop()/wait() are called from the main thread.
#pragma once
#include <memory>
#include <string>

#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/platform/desktop_environment.hpp"
#include "host/ui/consent_ui.hpp"
#include "protocol/error.hpp"

namespace elfdesk::host {

class HostServer {
 public:
  // `ui` may be null (no way to ask: only --consent accept works); it must outlive the server. `desktop`
  // (not null) is what every session shares (make_desktop_environment, chosen once at start).
  HostServer(HostOptions options, AuditLog& audit, ConsentUi* ui, std::shared_ptr<const DesktopEnvironment> desktop);
  ~HostServer();
  HostServer(const HostServer&) = delete;
  HostServer& operator=(const HostServer&) = delete;

  // Binds (or starts dialing) and starts the network thread. Prints the address and code on stdout.
  std::expected<void, Error> start();
  // The area DesktopEnvironment::check() found: once an engineer has proven the code, each session's
  // first video encoder is made for its size on its own thread (SpareEncoder), beside consent and the
  // capture's set-up; the session takes it if the screen is still that size. Before start().
  void set_shared_area(Rect area);
  // Ends any session ("ended by the customer") and stops. Any thread.
  void stop(std::string reason);
  // The customer pressed "End session". Any thread.
  void end_session();
  // Blocks until the network thread has finished (after stop(), or after one session with --once).
  void wait();
  // Set once the network thread has finished; any thread.
  bool finished() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace elfdesk::host
