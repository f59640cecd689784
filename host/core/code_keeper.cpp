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
  failures_ = 0;
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

void CodeKeeper::record_failure(const std::string& digits) {
  if (digits != digits_ || in_use_) return;  // an attempt against an already replaced code
  if (++failures_ >= kMaxFailures) rotate("too many wrong attempts");
}

void CodeKeeper::consume(const std::string& digits) {
  if (digits == digits_) in_use_ = true;
}

void CodeKeeper::release() { rotate("the session ended"); }

}  // namespace elfdesk::host
