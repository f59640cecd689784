#include "common/probes/system_sources.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/statvfs.h>
#include <sys/timex.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>

namespace elfdesk::probes {

std::expected<FsStats, Error> real_fs_stats(const std::string& mount_point) {
  struct statvfs st {};
  if (statvfs(mount_point.c_str(), &st) != 0) {
    return std::unexpected(make_error(ErrorCode::io, "statvfs(" + mount_point + "): " + std::strerror(errno)));
  }
  std::uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
  FsStats out;
  out.size_bytes = static_cast<std::uint64_t>(st.f_blocks) * unit;
  out.free_bytes = static_cast<std::uint64_t>(st.f_bfree) * unit;
  out.available_bytes = static_cast<std::uint64_t>(st.f_bavail) * unit;
  out.inodes_total = st.f_files;
  out.inodes_free = st.f_ffree;
  out.read_only = (st.f_flag & ST_RDONLY) != 0;
  return out;
}

namespace {

unsigned prefix_of(const sockaddr* mask) {
  if (!mask) return 0;
  const auto* bytes = mask->sa_family == AF_INET
                          ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr)
                          : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
  std::size_t len = mask->sa_family == AF_INET ? 4 : 16;
  unsigned bits = 0;
  for (std::size_t i = 0; i < len; ++i) bits += static_cast<unsigned>(std::popcount(bytes[i]));
  return bits;
}

}  // namespace

std::expected<std::vector<InterfaceAddress>, Error> real_interface_addresses() {
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0) {
    return std::unexpected(make_error(ErrorCode::io, std::string("getifaddrs: ") + std::strerror(errno)));
  }
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> list(raw, &freeifaddrs);
  std::vector<InterfaceAddress> out;
  for (const ifaddrs* a = list.get(); a; a = a->ifa_next) {
    if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    bool v4 = a->ifa_addr->sa_family == AF_INET;
    const void* addr = v4 ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr);
    if (!inet_ntop(a->ifa_addr->sa_family, addr, text, sizeof text)) continue;
    out.push_back({a->ifa_name, v4 ? "ipv4" : "ipv6", text, prefix_of(a->ifa_netmask)});
  }
  return out;
}

std::expected<ClockSync, Error> real_clock_sync() {
  timex tx{};
  int state = ntp_adjtime(&tx);  // modes = 0: read only
  if (state < 0) {
    return std::unexpected(make_error(ErrorCode::io, std::string("ntp_adjtime: ") + std::strerror(errno)));
  }
  ClockSync out;
  out.status_bits = static_cast<unsigned>(tx.status);
  out.synchronised = (tx.status & STA_UNSYNC) == 0 && state != TIME_ERROR;
  out.max_error_us = tx.maxerror;
  out.est_error_us = tx.esterror;
  out.clock_state = state;
  return out;
}

}  // namespace elfdesk::probes
