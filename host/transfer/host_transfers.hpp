// The customer's side of file transfers and the support bundle for one session (docs/protocol.md,
// "Transfers"): checks each offer (permission, size cap, a readable regular file), asks the customer
// with the path and size, then receives a push into the download folder under a name that never
// overwrites anything, or sends a file or bundle on the bulk lane, with a SHA-256 checked end to end,
// progress in the session bar and an audit record. One transfer at a time. Network thread; the bundle is
// built on the session's probe pool. Owned (shared) by the HostSession.
#pragma once
#include <asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/connection.hpp"
#include "common/probes/probe_runner.hpp"
#include "host/core/audit_log.hpp"
#include "host/core/host_options.hpp"
#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

struct TransferContext {
  std::shared_ptr<Connection> connection;
  ConsentUi* ui = nullptr;  // may be null: then only --consent accept lets a transfer through
  AuditLog* audit = nullptr;
  const HostOptions* options = nullptr;
  const probes::ProbeRunner* runner = nullptr;  // for the bundle
  asio::thread_pool* pool = nullptr;            // where the bundle is built
  std::string engineer_name, peer;
  std::uint32_t permissions = 0;
};

class HostTransfers : public std::enable_shared_from_this<HostTransfers> {
 public:
  explicit HostTransfers(TransferContext context);
  ~HostTransfers();

  void handle(const protocol::TransferControl& message);
  void handle(const protocol::BulkChunk& chunk);
  // The session ends: a half-received file is removed, sending stops, the question is withdrawn.
  void finish();

  struct Active;

 private:
  void offer(const protocol::TransferControl& m);
  void ask_then(std::string request, std::function<void(bool allowed, std::string how)> then);
  void start_push();
  void start_pull();
  void start_bundle();
  void send_stream();
  void end_push(const protocol::TransferControl& m);
  void refuse(std::uint32_t id, const std::string& reason, protocol::TransferOp op);
  void fail(const std::string& reason);  // cancels the active transfer and tells the engineer
  void progress(std::uint64_t done);
  void clear_active();

  TransferContext ctx_;
  std::shared_ptr<Active> active_;  // shared with the sending coroutine and the bundle job
};

// "2.1 MB", "512 bytes".
std::string human_size(std::uint64_t bytes);

}  // namespace elfdesk::host
