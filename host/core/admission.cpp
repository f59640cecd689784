#include "host/core/admission.hpp"

#include <algorithm>

namespace elfdesk::host {

Admission::Entry& Admission::entry(const std::string& address) {
  if (entries_.size() >= kMaxAddresses && !entries_.contains(address)) forget_idle();
  return entries_[address];
}

// Drops addresses that hold no slot and whose back-off has run out; if that frees nothing, the ones
// with no slot at all (an attacker who spreads over thousands of addresses loses its back-off, but the
// global pending cap and the per-code guess limit still hold).
void Admission::forget_idle() {
  const auto now = clock_.now();
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.pending == 0 && !kv.second.guessing && kv.second.next_guess <= now; });
  if (entries_.size() >= kMaxAddresses) std::erase_if(entries_, [](const auto& kv) { return kv.second.pending == 0 && !kv.second.guessing; });
}

bool Admission::try_open(const std::string& address) {
  auto& e = entry(address);
  if (e.pending >= limits_.max_pending_per_address) return false;
  ++e.pending;
  return true;
}

void Admission::close(const std::string& address) {
  if (auto it = entries_.find(address); it != entries_.end() && it->second.pending > 0) --it->second.pending;
}

std::chrono::steady_clock::duration Admission::wait_before_guess(const std::string& address) const {
  const auto it = entries_.find(address);
  if (it == entries_.end()) return {};
  const auto backoff = std::max<std::chrono::steady_clock::duration>(it->second.next_guess - clock_.now(), {});
  return it->second.guessing ? std::max<std::chrono::steady_clock::duration>(backoff, kTurnPoll) : backoff;
}

void Admission::begin_guess(const std::string& address) { entry(address).guessing = true; }

void Admission::end_guess(const std::string& address) {
  if (auto it = entries_.find(address); it != entries_.end()) it->second.guessing = false;
}

int Admission::record_failure(const std::string& address) {
  auto& e = entry(address);
  ++e.failures;
  ++total_failures_;
  const int doublings = std::min(e.failures - 1, 16);
  const auto wait = std::min<std::chrono::seconds>(limits_.first_backoff * (1L << doublings), limits_.max_backoff);
  e.next_guess = clock_.now() + wait;
  return e.failures;
}

void Admission::record_success(const std::string& address) {
  if (auto it = entries_.find(address); it != entries_.end()) {
    it->second.failures = 0;
    it->second.next_guess = {};
  }
}

std::string describe_failed_attempts(int from_address, const std::string& address, int total) {
  std::string text = std::to_string(from_address) + (from_address == 1 ? " wrong code" : " wrong codes") +
                     " tried from " + address;
  if (total > from_address) text += " (" + std::to_string(total) + " in all)";
  return text;
}

std::string address_of(const std::string& peer) {
  // "1.2.3.4:5678", "[::1]:5678", or a bare address ("1.2.3.4", "::1").
  if (!peer.empty() && peer.front() == '[') return peer.substr(1, peer.find(']') - 1);
  if (std::count(peer.begin(), peer.end(), ':') != 1) return peer;
  return peer.substr(0, peer.rfind(':'));
}

}  // namespace elfdesk::host
