// Live-machine facts no file path can fake (statvfs, getifaddrs, the kernel clock state), as
// replaceable functions so tests can simulate a full disk or an unsynchronised clock. Values, any thread.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::probes {

struct FsStats {
  std::uint64_t size_bytes = 0;
  std::uint64_t free_bytes = 0;       // including blocks reserved for root
  std::uint64_t available_bytes = 0;  // usable by unprivileged users (what df shows as Avail)
  std::uint64_t inodes_total = 0;
  std::uint64_t inodes_free = 0;
  bool read_only = false;
};

struct InterfaceAddress {
  std::string interface;
  std::string family;  // "ipv4" or "ipv6"
  std::string address;
  unsigned prefix_length = 0;
};

struct ClockSync {
  bool synchronised = false;     // STA_UNSYNC clear
  long max_error_us = 0;         // kernel's maximum error estimate
  long est_error_us = 0;         // kernel's estimated error
  int clock_state = 0;           // ntp_adjtime return value (TIME_OK=0 .. TIME_ERROR=5)
  unsigned status_bits = 0;      // raw timex.status
};

struct SystemSources {
  std::function<std::expected<FsStats, Error>(const std::string& mount_point)> fs_stats;
  std::function<std::expected<std::vector<InterfaceAddress>, Error>()> interface_addresses;
  std::function<std::expected<ClockSync, Error>()> clock_sync;
};

// The real implementations used when a SystemSources member is empty.
std::expected<FsStats, Error> real_fs_stats(const std::string& mount_point);
std::expected<std::vector<InterfaceAddress>, Error> real_interface_addresses();
std::expected<ClockSync, Error> real_clock_sync();

}  // namespace elfdesk::probes
