// `disk`: every real mounted filesystem (pseudo filesystems skipped) with space, inodes, read-only.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr double kFreeWarn = 10.0;  // percent free, space and inodes
constexpr double kFreeCrit = 5.0;
// Kernel/virtual filesystems that hold no user data. tmpfs is NOT here: users and tests fill it.
constexpr std::array<std::string_view, 22> kPseudo = {
    "proc",   "sysfs",      "cgroup", "cgroup2", "devtmpfs", "devpts",    "securityfs", "debugfs",
    "tracefs", "pstore",    "bpf",    "mqueue",  "hugetlbfs", "configfs", "fusectl",    "binfmt_misc",
    "autofs", "rpc_pipefs", "nsfs",   "efivarfs", "selinuxfs", "ramfs"};
// Filesystems normally mounted writable: read-only there usually means errors=remount-ro fired.
constexpr std::array<std::string_view, 6> kUsuallyWritable = {"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs"};

struct Mount {
  std::string device, point, type;
  bool ro_option = false;
};

std::string unescape(std::string_view text) {  // mount tables escape space, tab, newline, backslash as \ooo
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      auto code = util::parse_number<int>(text.substr(i + 1, 3), 8);
      if (code) {
        out.push_back(static_cast<char>(*code));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<Mount> read_mounts(std::string_view table) {
  std::vector<Mount> out;
  std::map<std::string, std::size_t> by_point;  // a later mount on the same point hides the earlier one
  for (auto line : util::lines(table)) {
    auto f = util::split_ws(line);
    if (f.size() < 4) continue;
    if (std::find(kPseudo.begin(), kPseudo.end(), f[2]) != kPseudo.end()) continue;
    auto options = util::split(f[3], ',');
    Mount m{unescape(f[0]), unescape(f[1]), std::string(f[2]),
            std::find(options.begin(), options.end(), "ro") != options.end()};
    if (auto it = by_point.find(m.point); it != by_point.end()) {
      out[it->second] = std::move(m);
    } else {
      by_point[m.point] = out.size();
      out.push_back(std::move(m));
    }
  }
  return out;
}

Severity grade(double free_percent) {
  return free_percent < kFreeCrit ? Severity::critical : free_percent < kFreeWarn ? Severity::warning : Severity::ok;
}

// Adds the JSON entry for one filesystem and its non-ok findings; returns false when it was not checked.
bool check_mount(const ProbeContext& ctx, const Mount& m, ProbeOutput& out) {
  auto stats = ctx.sources.fs_stats ? ctx.sources.fs_stats(m.point) : real_fs_stats(m.point);
  if (!stats) {
    out.add("stats:" + m.point, Severity::unknown, "cannot read " + m.point + ": " + stats.error().detail);
    return false;
  }
  bool read_only = m.ro_option || stats->read_only;
  std::uint64_t used = stats->size_bytes - std::min(stats->size_bytes, stats->free_bytes);
  double denom = static_cast<double>(used + stats->available_bytes);  // df's convention for Use%
  double free_pct = util::round_to(util::percent(static_cast<double>(stats->available_bytes), denom), 2);
  nlohmann::json entry{{"mount_point", m.point},      {"device", m.device},        {"fs_type", m.type},
                       {"read_only", read_only},      {"size_bytes", stats->size_bytes}, {"used_bytes", used},
                       {"available_bytes", stats->available_bytes}, {"free_percent", free_pct}};
  nlohmann::json inode_pct = nullptr;
  if (stats->inodes_total > 0) {
    inode_pct = util::round_to(util::percent(static_cast<double>(stats->inodes_free),
                                             static_cast<double>(stats->inodes_total)), 2);
  }
  entry["inodes_total"] = stats->inodes_total;
  entry["inodes_used"] = stats->inodes_total - std::min(stats->inodes_total, stats->inodes_free);
  entry["inodes_free"] = stats->inodes_free;
  entry["inodes_free_percent"] = inode_pct;
  out.data["filesystems"].push_back(entry);
  // Read-only images (squashfs, ISO, sealed mounts) are full by design; empty ones have nothing to fill.
  if (read_only || stats->size_bytes == 0) {
    if (read_only && std::find(kUsuallyWritable.begin(), kUsuallyWritable.end(), m.type) != kUsuallyWritable.end()) {
      out.add("read_only:" + m.point, Severity::warning,
              fmt::format("{} ({}) is mounted read-only; this usually means the kernel remounted it after errors",
                          m.point, m.type));
    }
    return false;
  }
  if (Severity s = grade(free_pct); s != Severity::ok) {
    out.add("space:" + m.point, s,
            fmt::format("{} has {:.1f}% free ({} of {}; warning < {}%, critical < {}%)", m.point, free_pct,
                        util::human_bytes(stats->available_bytes), util::human_bytes(stats->size_bytes), kFreeWarn,
                        kFreeCrit),
            free_pct);
  }
  if (inode_pct.is_number()) {
    if (Severity s = grade(inode_pct.get<double>()); s != Severity::ok) {
      out.add("inodes:" + m.point, s,
              fmt::format("{} has {:.1f}% of inodes free ({} of {}; warning < {}%, critical < {}%)", m.point,
                          inode_pct.get<double>(), stats->inodes_free, stats->inodes_total, kFreeWarn, kFreeCrit),
              inode_pct);
    }
  }
  return true;
}

std::expected<ProbeOutput, Error> run_disk(const ProbeContext& ctx, const ProbeArgs&) {
  auto table = util::read_text(ctx.mount_table);
  if (!table) return std::unexpected(table.error());
  ProbeOutput out;
  out.data["filesystems"] = nlohmann::json::array();
  int checked = 0;
  for (const auto& m : read_mounts(*table)) {
    if (ctx.expired()) return std::unexpected(make_error(ErrorCode::timeout, "cancelled while reading filesystems"));
    checked += check_mount(ctx, m, out) ? 1 : 0;
  }
  if (worst_of(out.findings) == Severity::ok) {
    out.add("space", Severity::ok,
            fmt::format("all {} writable filesystem(s) have >= {}% space and inodes free", checked, kFreeWarn), checked);
  }
  return out;
}

}  // namespace

ProbeInfo disk_probe_info() {
  return {"disk", "every mounted filesystem: size, used, available, inodes, read-only; space and inode thresholds",
          {}, run_disk, std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
