// The engineer's side of file transfers and the support bundle in one session: it alone hands out
// transfer ids (as ProbeClient does request ids), sends offers, streams a push on the bulk lane
// (Connection::send_bulk waits for room, so input overtakes it), writes a pull or bundle to OUT.part and
// renames it only once the SHA-256 matches, and reports progress and the outcome. Network thread only;
// the sending coroutine shares each transfer's state, so it may outlive the client.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/connection.hpp"

namespace elfdesk::client {

inline constexpr int kTransferDeclinedExit = 12;
inline constexpr int kTransferFailedExit = 4;

struct TransferOutcome {
  int exit_code = 0;        // 0 done, 12 declined by the customer, 4 failed (reason in message)
  std::string message;
  std::uint64_t bytes = 0;
  std::string sha256_hex;   // verified on both ends when exit_code is 0
  std::string path;         // where it landed: on the customer's machine (push), OUT (pull, bundle)
};

class TransferClient {
 public:
  using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;
  using Finished = std::function<void(TransferOutcome)>;

  explicit TransferClient(std::shared_ptr<Connection> connection);
  ~TransferClient();

  // Each sends an offer under a fresh id; `finished` runs once (also at cancel_all), `progress` as
  // data moves. A local file that cannot be read finishes at once with exit 4.
  void push(const std::string& local_path, Progress progress, Finished finished);
  void pull(const std::string& remote_path, const std::string& out_path, Progress progress, Finished finished);
  void bundle(const std::string& out_path, Progress progress, Finished finished);

  // False for a message about no transfer of ours.
  bool deliver(const protocol::TransferControl& message);
  bool deliver(const protocol::BulkChunk& chunk);
  void cancel_all(const std::string& why);
  // The session resumed on a new connection (after cancel_all for the old one's transfers).
  void set_connection(std::shared_ptr<Connection> connection) { connection_ = std::move(connection); }
  std::size_t pending() const { return pending_.size(); }

  struct Transfer;

 private:
  std::uint32_t start(std::shared_ptr<Transfer> t, protocol::TransferKind kind, std::uint64_t size, std::string name);
  void end(const std::shared_ptr<Transfer>& t, TransferOutcome outcome);
  void stream_push(std::shared_ptr<Transfer> t);
  void received_done(const std::shared_ptr<Transfer>& t, const protocol::TransferControl& m);

  std::shared_ptr<Connection> connection_;
  std::uint32_t next_id_ = 1;
  std::map<std::uint32_t, std::shared_ptr<Transfer>> pending_;
};

}  // namespace elfdesk::client
