#include "host/core/code_keeper.hpp"

#include "common/auth/session_code.hpp"

namespace elfdesk::host {

CodeKeeper::CodeKeeper(const Clock& clock, std::chrono::seconds ttl, OnIssued on_issued)
    : clock_(clock), ttl_(ttl), on_issued_(std::move(on_issued)) {
  rotate("host started");
}

void CodeKeeper::rotate(const std::string& why) {
  digits_ = auth::generate_session_code();
  issued_at_ = clock_.now();
  ++generation_;  // attempts reserved against the old code can no longer succeed or count
  failures_ = 0;
  in_flight_ = 0;
  in_use_ = false;
  if (on_issued_) on_issued_(digits_, ttl_, why);
}

std::chrono::steady_clock::duration CodeKeeper::tick() {
  if (in_use_) return ttl_;
  const auto expires = issued_at_ + ttl_;
  if (clock_.now() >= expires) {
    rotate("the previous code expired");
    return ttl_;
  }
  return expires - clock_.now();
}

std::optional<std::string> CodeKeeper::current() {
  if (in_use_) return std::nullopt;
  tick();
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
