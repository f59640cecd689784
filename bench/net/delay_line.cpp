// elfdesk_delay_line: a packet-level delay line on a TUN device, the one-way delay of bench/net's emulated
// links on kernels without netem. One thread, epoll over the TUN fd, a timerfd and a signalfd: every IP
// packet the kernel routes into the device is read, held for a fixed time in a preallocated FIFO ring and
// written back into the same device, where the kernel routes it on by its destination (bench/net/netlab.py
// sets up the policy routing). Packets keep their order; the ring never reorders or coalesces.
// Nothing here queues like a bottleneck: the rate and the bottleneck queue are tbf qdiscs after the line.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kSlotBytes = 2048;  // the TUN MTU is 1500 (netlab.py); larger packets are dropped
constexpr std::size_t kSlots = 16384;     // 1 Gbit/s for 190 ms of one-way delay at 1500-byte packets

struct Slot {
  std::int64_t due_ns = 0;
  std::uint32_t length = 0;
  std::array<std::uint8_t, kSlotBytes> bytes{};
};

struct Stats {
  std::uint64_t forwarded = 0;
  std::uint64_t dropped_full = 0;  // the ring was full: more than kSlots packets in flight
  std::uint64_t dropped_write = 0;
  std::size_t most_held = 0;
};

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

std::expected<int, std::string> open_tun(const std::string& name) {
  const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::unexpected(std::string("open /dev/net/tun: ") + std::strerror(errno));
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;  // raw IP packets, no 4-byte header
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (ioctl(fd, TUNSETIFF, &request) < 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return std::unexpected("TUNSETIFF " + name + ": " + why);
  }
  return fd;
}

// The ring of held packets: head_ is the oldest, count_ how many are held.
class DelayRing {
 public:
  explicit DelayRing(std::int64_t delay_ns) : delay_ns_(delay_ns), slots_(kSlots) {}

  // Reads every packet the device has now; returns false on a read error other than "no more".
  bool take_all(int tun, Stats& stats) {
    for (;;) {
      Slot* slot = count_ < slots_.size() ? &slots_[(head_ + count_) % slots_.size()] : &spill_;
      const ssize_t n = read(tun, slot->bytes.data(), slot->bytes.size());
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      if (slot == &spill_) {
        ++stats.dropped_full;
        continue;
      }
      slot->length = static_cast<std::uint32_t>(n);
      slot->due_ns = now_ns() + delay_ns_;
      ++count_;
      stats.most_held = std::max(stats.most_held, count_);
    }
  }

  // Writes back every packet whose time has come.
  void release_due(int tun, Stats& stats) {
    const std::int64_t now = now_ns();
    while (count_ > 0 && slots_[head_].due_ns <= now) {
      const Slot& slot = slots_[head_];
      if (write(tun, slot.bytes.data(), slot.length) < 0) {
        ++stats.dropped_write;  // e.g. no route any more: the kernel refuses it as a real link would lose it
      } else {
        ++stats.forwarded;
      }
      head_ = (head_ + 1) % slots_.size();
      --count_;
    }
  }

  // When the oldest held packet is due (0: nothing held).
  std::int64_t next_due() const { return count_ > 0 ? slots_[head_].due_ns : 0; }

 private:
  std::int64_t delay_ns_;
  std::vector<Slot> slots_;
  Slot spill_;  // where a packet is read to be dropped when the ring is full
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

void arm(int timer, std::int64_t due_ns) {
  itimerspec spec{};
  if (due_ns > 0) {  // 0 disarms
    spec.it_value.tv_sec = due_ns / 1'000'000'000;
    spec.it_value.tv_nsec = due_ns % 1'000'000'000;
  }
  timerfd_settime(timer, TFD_TIMER_ABSTIME, &spec, nullptr);
}

std::expected<Stats, std::string> run(int tun, std::int64_t delay_ns) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int sig = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  const int poll = epoll_create1(EPOLL_CLOEXEC);
  if (sig < 0 || timer < 0 || poll < 0) return std::unexpected(std::string("setup: ") + std::strerror(errno));
  for (const int fd : {tun, timer, sig}) {
    epoll_event event{.events = EPOLLIN, .data = {.fd = fd}};
    epoll_ctl(poll, EPOLL_CTL_ADD, fd, &event);
  }
  DelayRing ring(delay_ns);
  Stats stats;
  std::fprintf(stdout, "ready\n");
  std::fflush(stdout);
  for (;;) {
    std::array<epoll_event, 3> events{};
    const int n = epoll_wait(poll, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) return std::unexpected(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == sig) return stats;
      if (fd == timer) {
        std::uint64_t expirations = 0;
        (void)read(timer, &expirations, sizeof expirations);
      }
      if (fd == tun && !ring.take_all(tun, stats))
        return std::unexpected(std::string("read: ") + std::strerror(errno));
    }
    ring.release_due(tun, stats);
    arm(timer, ring.next_due());
  }
}

int usage() {
  std::fprintf(stderr, "usage: elfdesk_delay_line --tun NAME --delay-us MICROSECONDS\n"
                       "Holds every packet routed into the TUN device NAME for the delay, then writes it back.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tun_name;
  long long delay_us = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    if (key == "--tun") {
      tun_name = argv[i + 1];
    } else if (key == "--delay-us") {
      delay_us = std::atoll(argv[i + 1]);
    } else {
      return usage();
    }
  }
  if (tun_name.empty() || delay_us < 0 || argc % 2 == 0) return usage();
  const auto tun = open_tun(tun_name);
  if (!tun) {
    std::fprintf(stderr, "elfdesk_delay_line: %s\n", tun.error().c_str());
    return 1;
  }
  const auto stats = run(*tun, delay_us * 1000);
  if (!stats) {
    std::fprintf(stderr, "elfdesk_delay_line: %s\n", stats.error().c_str());
    return 1;
  }
  std::fprintf(stdout, "forwarded %llu dropped_full %llu dropped_write %llu most_held %zu\n",
               static_cast<unsigned long long>(stats->forwarded), static_cast<unsigned long long>(stats->dropped_full),
               static_cast<unsigned long long>(stats->dropped_write), stats->most_held);
  return 0;
}
