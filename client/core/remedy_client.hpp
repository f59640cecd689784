// The engineer side of remedy calls on one session, as ProbeClient is for probes: it alone hands out
// request ids and routes each RemedyResult to the caller that asked, once. Network thread only (like the
// Connection it sends through); owns the pending calls.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>

#include "common/remedies/remedy_wire.hpp"
#include "protocol/messages.hpp"

namespace elfdesk::client {

class RemedyClient {
 public:
  using Send = std::function<void(protocol::Message)>;
  // The result as read by remedies::read_remedy_result (invalid_argument: the host rejected the call).
  using Answer = std::function<void(std::expected<remedies::ReceivedRemedy, Error>)>;

  explicit RemedyClient(Send send) : send_(std::move(send)) {}

  // Sends the call under a fresh id (never 0, never one still pending); `answer` runs once, on this thread.
  std::uint32_t call(const remedies::RemedyCall& call, Answer answer);
  bool deliver(const protocol::RemedyResult& result);  // false: not pending (late, repeated, not ours)
  void cancel_all(const std::string& why);             // answers every pending call with ErrorCode::closed
  std::size_t pending() const { return pending_.size(); }

 private:
  Send send_;
  std::uint32_t next_id_ = 1;
  std::map<std::uint32_t, Answer> pending_;
};

}  // namespace elfdesk::client
