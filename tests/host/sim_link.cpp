#include "tests/host/sim_link.hpp"

#include <algorithm>

namespace elfdesk::test {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {
// The viewer's share of each frame (client/core: decode on the network thread, shown at the next refresh
// of the main thread's window), close to what the benchmark's viewer reports for a small video region.
constexpr auto kDecode = milliseconds(2);
constexpr auto kRefresh = milliseconds(16);
constexpr auto kPresent = milliseconds(1);
}  // namespace

SimLink::SimLink(const ManualClock& clock, LinkProfile profile)
    : clock_(clock), profile_(profile), ran_to_(clock.now()), next_refresh_(clock.now() + kRefresh) {}

void SimLink::send(std::uint64_t id, std::size_t bytes) {
  run();
  const auto now = clock_.now();
  // Drop-tail: the packet that finds the buffer full is lost and TCP sends it again about one RTT later;
  // TCP then slows down, so the rest of an overflow waits in the sender's socket buffer, not lost again.
  // Paced, the frame enters at the pacing rate while the link drains at its own: the backlog grows only
  // by the difference (and not at all when the pacing is slower than the link).
  const std::size_t backlog = backlog_bytes();
  std::size_t peak = bytes;
  auto paced_until = now;
  if (pacing_kbps_ > 0) {
    peak = pacing_kbps_ <= profile_.kbps
               ? std::min<std::size_t>(bytes, 1500)
               : static_cast<std::size_t>(static_cast<double>(bytes) * (1.0 - static_cast<double>(profile_.kbps) / pacing_kbps_));
    paced_until = std::max(now, paced_until_) +
                  microseconds(static_cast<std::int64_t>(static_cast<double>(bytes) * 8 * 1000 / pacing_kbps_));
    paced_until_ = paced_until;
  }
  const bool overflowed = backlog < profile_.queue_bytes && backlog + peak > profile_.queue_bytes;
  if (overflowed) ++drops_;
  const double bits = static_cast<double>(bytes) * 8;
  bottleneck_.push_back(InLink{id, bits, bits, now, overflowed, std::nullopt, paced_until});
  deliveries_.push_back(Delivery{id, now, TimePoint{}, std::nullopt, microseconds(0)});
}

void SimLink::run() {
  const auto now = clock_.now();
  while (ran_to_ < now) {
    const auto to = std::min(now, ran_to_ + milliseconds(1));
    drain(ran_to_, to);
    ran_to_ = to;
    run_viewer(to);
  }
}

void SimLink::drain(TimePoint from, TimePoint to) {
  while (from < to && !bottleneck_.empty()) {
    if (from < stalled_until_) {
      from = std::min(to, stalled_until_);
      continue;
    }
    InLink& front = bottleneck_.front();
    if (!front.started) front.started = from;
    const double bits_per_us = profile_.kbps / 1000.0;
    const auto needed = microseconds(static_cast<std::int64_t>(front.bits_left / bits_per_us + 0.999));
    if (from + needed <= to && front.paced_until <= to) {
      from = std::max(from + needed, front.paced_until);
      delivered_bits_ += front.bits_left;
      finish(front, from);
      bottleneck_.pop_front();
    } else {
      // (All of it may have left while its pacing is not done: it ends when the pacer has sent the last byte.)
      const double sent =
          std::min(front.bits_left, static_cast<double>(duration_cast<microseconds>(to - from).count()) * bits_per_us);
      front.bits_left -= sent;
      delivered_bits_ += sent;
      from = to;
    }
  }
}

void SimLink::finish(InLink& frame, TimePoint at) {
  const bool lost = frame.overflowed || at < losing_until_;
  // In order, as TCP delivers: a retransmitted frame holds back every frame behind it.
  auto arrival = at + profile_.rtt / 2 + (lost ? profile_.rtt : milliseconds(0));
  arrival = std::max(arrival, last_arrival_);
  last_arrival_ = arrival;
  auto it = std::lower_bound(deliveries_.begin(), deliveries_.end(), frame.id,
                             [](const Delivery& d, std::uint64_t id) { return d.id < id; });
  it->arrived = arrival;
  it->queued = duration_cast<microseconds>(*frame.started - frame.entered);
  arriving_.emplace_back(frame.id, arrival);
}

void SimLink::run_viewer(TimePoint now) {
  while (next_refresh_ <= now) {
    const auto refresh = next_refresh_;
    next_refresh_ += kRefresh;
    // Decoding is one frame after the other, as they arrive.
    while (!arriving_.empty()) {
      const auto decoded = std::max(arriving_.front().second, decoder_free_) + kDecode;
      if (decoded > refresh) break;
      decoder_free_ = decoded;
      decoded_.emplace_back(arriving_.front().first, decoded);
      arriving_.pop_front();
    }
    if (decoded_.empty()) continue;
    // The newest decoded picture is shown; the older ones it replaced are never shown on their own, but
    // what they carried is on the screen now. One ack for all of them (acks are cumulative).
    const auto [newest, decoded_at] = decoded_.back();
    const auto shown = refresh + kPresent;
    for (const auto& [id, at] : decoded_) {
      auto it = std::lower_bound(deliveries_.begin(), deliveries_.end(), id,
                                 [](const Delivery& d, std::uint64_t want) { return d.id < want; });
      it->shown = shown;
    }
    decoded_.clear();
    const auto present_us = static_cast<std::uint32_t>(duration_cast<microseconds>(shown - decoded_at).count());
    const auto decode_us = static_cast<std::uint32_t>(microseconds(kDecode).count());
    acks_.emplace_back(shown + profile_.rtt / 2, protocol::FrameAck{newest, decode_us, present_us});
  }
}

std::vector<protocol::FrameAck> SimLink::take_acks() {
  run();
  std::vector<protocol::FrameAck> due;
  while (!acks_.empty() && acks_.front().first <= clock_.now()) {
    due.push_back(acks_.front().second);
    acks_.pop_front();
  }
  return due;
}

double SimLink::backlog_bits() const {
  double bits = 0;
  for (const InLink& f : bottleneck_) bits += f.bits_left;
  return bits;
}

std::size_t SimLink::backlog_bytes() const { return static_cast<std::size_t>(backlog_bits() / 8); }

microseconds SimLink::backlog_delay() const {
  return microseconds(static_cast<std::int64_t>(backlog_bits() * 1000.0 / std::max(profile_.kbps, 1)));
}

const SimLink::Delivery* SimLink::delivery(std::uint64_t id) const {
  auto it = std::lower_bound(deliveries_.begin(), deliveries_.end(), id,
                             [](const Delivery& d, std::uint64_t want) { return d.id < want; });
  return it != deliveries_.end() && it->id == id ? &*it : nullptr;
}

}  // namespace elfdesk::test
