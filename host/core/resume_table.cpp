#include "host/core/resume_table.hpp"

#include <algorithm>

namespace elfdesk::host {

void ResumeTable::open(auth::ResumeSecret secret) {
  secret_ = std::move(secret);
  dropped_at_.reset();
  failures_ = 0;
}

void ResumeTable::dropped() {
  if (secret_ && !dropped_at_) dropped_at_ = clock_.now();
}

void ResumeTable::close() {
  secret_.reset();
  dropped_at_.reset();
}

bool ResumeTable::expired() const { return dropped_at_ && clock_.now() >= *dropped_at_ + window_; }

std::optional<std::chrono::steady_clock::time_point> ResumeTable::deadline() const {
  if (!secret_ || !dropped_at_) return std::nullopt;
  return *dropped_at_ + window_;
}

std::expected<std::chrono::milliseconds, ResumeTable::Refusal> ResumeTable::resume(
    std::span<const std::uint8_t> ticket, std::span<const std::uint8_t> proof, std::span<const std::uint8_t> exporter) {
  if (!secret_) return std::unexpected(Refusal::none_open);
  if (expired()) {
    close();
    return std::unexpected(Refusal::expired);
  }
  const auto ours = secret_->ticket();
  if (!std::ranges::equal(ours, ticket)) return std::unexpected(Refusal::unknown_ticket);
  if (!secret_->verify(exporter, proof)) {
    if (++failures_ >= kMaxResumeFailures) {
      close();
      return std::unexpected(Refusal::too_many_failures);
    }
    return std::unexpected(Refusal::bad_proof);
  }
  const auto now = clock_.now();
  const auto gap = dropped_at_ ? std::chrono::duration_cast<std::chrono::milliseconds>(now - *dropped_at_)
                               : std::chrono::milliseconds(0);
  secret_ = secret_->next(exporter);
  dropped_at_.reset();
  return gap;
}

std::string ResumeTable::describe(Refusal refusal) {
  switch (refusal) {
    case Refusal::none_open: return "the session has ended: it cannot be resumed";
    case Refusal::unknown_ticket: return "no such session to resume";
    case Refusal::bad_proof: return "the resume proof did not verify (copied from another connection?)";
    case Refusal::expired: return "the session could not be resumed in time and has ended";
    case Refusal::too_many_failures: return "too many failed resume attempts: the session can no longer resume";
  }
  return "resume refused";
}

}  // namespace elfdesk::host
