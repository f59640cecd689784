// The engineer side of probe calls on one session: it alone hands out request ids, so the viewer's panel,
// its control socket and `diag` can never answer each other's calls, and routes each ProbeResult to the
// caller that asked. Network thread only (like the Connection it sends through); owns the pending calls.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>

#include "common/probes/probe_runner.hpp"
#include "common/probes/probe_wire.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

class ProbeClient {
 public:
  using Send = std::function<void(protocol::Message)>;
  // The result as read by probes::read_probe_result (an invalid_argument error: the host rejected the call).
  using Answer = std::function<void(std::expected<probes::ReceivedReport, Error>)>;

  explicit ProbeClient(Send send, std::uint32_t first_id = 1);

  // Sends the call under a fresh id (never 0, never one still pending) and returns that id. `answer` runs
  // once, on this thread: with the result, or at cancel_all(), maybe after its caller gave up waiting, so
  // it must own (or share) whatever it writes to.
  std::uint32_t call(const probes::ProbeInvocation& call, Answer answer);
  // Hands a result to its caller, once. False for an id that is not pending (late, repeated, not ours).
  bool deliver(const protocol::ProbeResult& result);
  // Answers every pending call with `why` (ErrorCode::closed): the session is over.
  void cancel_all(const std::string& why);
  std::size_t pending() const { return pending_.size(); }

 private:
  std::uint32_t next_free_id();

  Send send_;
  std::uint32_t next_id_;
  std::map<std::uint32_t, Answer> pending_;
};

}  // namespace elfdesk::client
