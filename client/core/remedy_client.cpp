#include "client/core/remedy_client.hpp"

#include <utility>

namespace elfdesk::client {

std::uint32_t RemedyClient::call(const remedies::RemedyCall& call, Answer answer) {
  while (next_id_ == 0 || pending_.contains(next_id_)) ++next_id_;
  const std::uint32_t id = next_id_++;
  pending_.emplace(id, std::move(answer));
  send_(remedies::make_remedy_request(id, call));
  return id;
}

bool RemedyClient::deliver(const protocol::RemedyResult& result) {
  auto it = pending_.find(result.request_id);
  if (it == pending_.end()) return false;
  Answer answer = std::move(it->second);
  pending_.erase(it);  // before the call: an answer may start another call
  if (answer) answer(remedies::read_remedy_result(result));
  return true;
}

void RemedyClient::cancel_all(const std::string& why) {
  auto pending = std::exchange(pending_, {});
  for (auto& [id, answer] : pending)
    if (answer) answer(std::unexpected(make_error(ErrorCode::closed, why)));
}

}  // namespace elfdesk::client
