// The host's side of remedies in one session: checks the permission, runs each RemedyRequest on the probe
// pool (never the network thread), asks the customer through the ConsentUi (or applies --consent accept),
// audits every call with its arguments, outcome and what it touched, and posts the RemedyResult back to the
// network thread. One remedy at a time: a second while one waits for the customer is rejected.
// handle() and cancel_all() are called on the network thread; the rest runs on the pool.
#pragma once
#include <asio.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/connection.hpp"
#include "common/probes/probe_runner.hpp"
#include "common/remedies/remedy_runner.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

struct RemedySessionInfo {
  std::string engineer_name;
  std::string peer;
  std::uint32_t permissions = 0;  // granted; remedies need protocol::permission::kRemedies
};

class HostRemedies {
 public:
  // `probes` measures before/after and must outlive this; `ui` may be null (then only --consent accept runs).
  HostRemedies(RemedySessionInfo info, const HostOptions& options, AuditLog& audit, ConsentUi* ui,
               const probes::ProbeRunner& probes, remedies::RemedyContext context = remedies::RemedyContext::from_environment());
  ~HostRemedies();

  void handle(const protocol::RemedyRequest& request, asio::thread_pool& pool, std::weak_ptr<Connection> connection);
  // The session ended: a question still open is withdrawn and running remedies see their time limit passed.
  void cancel_all();

  struct Waiter;  // host_remedies.cpp

 private:
  remedies::Answer ask(const std::string& question);
  void run(const protocol::RemedyRequest& request, std::weak_ptr<Connection> connection);
  std::optional<std::string> refusal() const;

  RemedySessionInfo info_;
  const HostOptions& options_;
  AuditLog& audit_;
  ConsentUi* ui_;
  remedies::RemedyRunner runner_;
  std::shared_ptr<Waiter> waiter_;
  std::atomic<bool> busy_{false};
};

}  // namespace elfdesk::host
