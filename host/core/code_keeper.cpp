#include "host/core/code_keeper.hpp"

#include <algorithm>

#include "common/auth/session_code.hpp"
#include "common/relay_transport.hpp"

namespace elfdesk::host {

CodeKeeper::CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued)
    : clock_(clock), ttl_(ttl), on_issued_(std::move(on_issued)), code_ttl_(ttl) {
  rotate("host started");
}

CodeKeeper::CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued, OnIdNeeded on_id_needed)
    : clock_(clock), ttl_(ttl), on_issued_(std::move(on_issued)), on_id_needed_(std::move(on_id_needed)),
      code_ttl_(ttl), pending_why_("host started") {}

void CodeKeeper::rotate(const std::string& why) {
  issued_at_ = clock_.now();
  ++generation_;  // attempts reserved against the old code can no longer succeed or count
  failures_ = 0;
  in_flight_ = 0;
  in_use_ = false;
  if (on_id_needed_) {  // relay mode: the new code needs a new id first
    digits_.clear();
    pending_why_ = why;
    on_id_needed_(why);
    return;
  }
  digits_ = auth::generate_session_code();
  if (on_issued_) on_issued_(digits_, ttl_, why);
}

void CodeKeeper::set_routing_id(const std::string& id, std::chrono::seconds valid_for, const std::string& why) {
  if (in_use_) return;
  // A few seconds short of the relay's TTL: the code rotates before the relay forgets the id.
  constexpr auto kMargin = std::chrono::seconds(5);
  const auto relay_ttl = valid_for > 2 * kMargin ? valid_for - kMargin : valid_for;
  code_ttl_ = std::max(std::chrono::seconds(1), std::min(ttl_, relay_ttl));
  digits_ = id + auth::generate_random_digits(kRelaySecretDigits);
  issued_at_ = clock_.now();
  ++generation_;
  failures_ = 0;
  in_flight_ = 0;
  const std::string reason = pending_why_.empty() ? why : pending_why_;
  pending_why_.clear();
  if (on_issued_) on_issued_(digits_, code_ttl_, reason);
}

void CodeKeeper::drop_routing_id() {
  if (in_use_) return;
  digits_.clear();
  ++generation_;
  in_flight_ = 0;
}

std::chrono::steady_clock::duration CodeKeeper::tick() {
  if (in_use_ || digits_.empty()) return ttl_;
  const auto expires = issued_at_ + code_ttl_;
  if (clock_.now() >= expires) {
    rotate("the previous code expired");
    return ttl_;
  }
  return expires - clock_.now();
}

std::optional<std::string> CodeKeeper::current() {
  if (in_use_) return std::nullopt;
  tick();
  if (digits_.empty()) return std::nullopt;
  return digits_;
}

std::expected<CodeKeeper::Attempt, CodeKeeper::Refusal> CodeKeeper::begin_attempt() {
  if (!current()) return std::unexpected(Refusal::in_use);
  if (failures_ + in_flight_ >= kMaxFailures) return std::unexpected(Refusal::too_many_attempts);
  ++in_flight_;
  return Attempt{generation_, digits_};
}

void CodeKeeper::fail_attempt(const Attempt& attempt) {
  if (attempt.generation != generation_ || in_use_) return;  // against an already replaced code
  --in_flight_;
  if (++failures_ >= kMaxFailures) rotate("too many wrong attempts");
}

bool CodeKeeper::still_current(const Attempt& attempt) {
  if (in_use_) return false;
  tick();
  return attempt.generation == generation_;
}

bool CodeKeeper::consume(const Attempt& attempt) {
  if (!still_current(attempt)) return false;
  --in_flight_;
  in_use_ = true;
  return true;
}

void CodeKeeper::release() { rotate("the session ended"); }

}  // namespace elfdesk::host
