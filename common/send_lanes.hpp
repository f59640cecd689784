// The outgoing queues of one Connection and the order the writer takes from them: control (input,
// probes, chat, acks, pongs) always first, picture updates next, bulk (file chunks) last. Each lane is
// bounded by what its messages cost in memory (payload + kPerMessageOverhead), not by encoded bytes.
// Plain data, owned by the Connection on its network thread; no I/O, no locks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "protocol/messages.hpp"

namespace elfdesk {

enum class Lane : std::uint8_t { control, video, bulk };

// One message waiting to be written. Picture updates wait unencoded so that their queue_us can be
// filled in when the writer takes them (see Connection::writer); everything else waits encoded.
struct Outgoing {
  Lane lane = Lane::control;
  std::vector<std::uint8_t> bytes;          // the encoded frame (control, bulk)
  std::optional<protocol::Message> picture;  // a VideoFrame or PixelUpdate (video)
  std::size_t cost = 0;                     // what it holds in memory while queued
  bool pong = false;
};

struct LaneCaps {
  std::size_t control;  // memory cost; past it the peer is not reading and the connection fails
  std::size_t bulk;     // memory cost; a bulk producer waits for room below it
  std::size_t video_messages;
  std::size_t video;    // memory cost; one update always fits into an empty lane
};

class SendLanes {
 public:
  // The queue slot itself plus the heap allocator's header and rounding for the payload: a 24-byte Pong
  // costs about ten times its encoded size, which is what let a Ping flood use 55 MB per connection
  // while the old cap counted 16 MiB of encoded bytes.
  static constexpr std::size_t kPerMessageOverhead = sizeof(Outgoing) + 32;
  static std::size_t cost_of_encoded(std::size_t bytes) { return bytes + kPerMessageOverhead; }
  static std::size_t cost_of_picture(const protocol::Message& picture);

  explicit SendLanes(LaneCaps caps) : caps_(caps) {}
  void set_caps(LaneCaps caps) { caps_ = caps; }
  const LaneCaps& caps() const { return caps_; }

  // False when the control lane would then cost more than its cap (nothing is queued).
  bool push_control(std::vector<std::uint8_t> bytes, bool pong = false);
  // False when video_messages picture updates are already waiting or the lane's cost would pass its cap.
  bool push_picture(protocol::Message picture);
  // Whether a bulk message of `bytes` encoded bytes fits now; one always fits into an empty lane.
  bool bulk_has_room(std::size_t bytes) const;
  void push_bulk(std::vector<std::uint8_t> bytes);

  // The next message by lane priority, or nothing when every lane is empty.
  std::optional<Outgoing> pop();
  void clear_media();  // drops picture updates and bulk chunks; control stays
  void clear();

  bool empty() const { return control_.empty() && video_.empty() && bulk_.empty(); }
  std::size_t control_cost() const { return control_cost_; }
  std::size_t bulk_cost() const { return bulk_cost_; }
  std::size_t video_cost() const { return video_cost_; }
  std::size_t video_count() const { return video_.size(); }
  std::size_t pongs_queued() const { return pongs_; }

 private:
  LaneCaps caps_;
  std::deque<Outgoing> control_, video_, bulk_;
  std::size_t control_cost_ = 0, video_cost_ = 0, bulk_cost_ = 0, pongs_ = 0;
};

}  // namespace elfdesk
