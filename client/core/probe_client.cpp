#include "client/core/probe_client.hpp"

#include <utility>

namespace elfdesk::client {

ProbeClient::ProbeClient(Send send, std::uint32_t first_id) : send_(std::move(send)), next_id_(first_id) {}

std::uint32_t ProbeClient::next_free_id() {
  // Wraps after 4e9 calls; 0 is never used (it reads as "no request" in logs and tests).
  while (next_id_ == 0 || pending_.contains(next_id_)) ++next_id_;
  return next_id_++;
}

std::uint32_t ProbeClient::call(const probes::ProbeInvocation& call, Answer answer) {
  const std::uint32_t id = next_free_id();
  pending_.emplace(id, std::move(answer));
  send_(probes::make_probe_request(id, call));
  return id;
}

bool ProbeClient::deliver(const protocol::ProbeResult& result) {
  auto it = pending_.find(result.request_id);
  if (it == pending_.end()) return false;
  Answer answer = std::move(it->second);
  pending_.erase(it);  // before the call: an answer may start another call
  if (answer) answer(probes::read_probe_result(result));
  return true;
}

void ProbeClient::cancel_all(const std::string& why) {
  auto pending = std::exchange(pending_, {});
  for (auto& [id, answer] : pending)
    if (answer) answer(std::unexpected(make_error(ErrorCode::closed, why)));
}

}  // namespace elfdesk::client
