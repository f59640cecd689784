#include "common/remedies/remedy_util.hpp"

#include <sys/stat.h>

#include <system_error>

namespace elfdesk::remedies::util {
namespace fs = std::filesystem;

namespace {

void count(const fs::path& path, TreeSize& size) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return;
  size.bytes += static_cast<std::uint64_t>(st.st_blocks) * 512;
  if (!S_ISDIR(st.st_mode)) ++size.files;
}

dev_t device_of(const fs::path& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_dev : 0;
}

// Longest mount point of the disk probe's report that holds `path`.
std::optional<double> used_percent(const probes::ProbeReport& report, const fs::path& path) {
  const auto& filesystems = report.data.value("filesystems", nlohmann::json::array());
  std::size_t best_length = 0;
  std::optional<double> best;
  const std::string target = path.lexically_normal().string();
  for (const auto& f : filesystems) {
    const std::string mount = f.value("mount_point", std::string());
    const bool holds = mount == "/" || target == mount || target.starts_with(mount + "/");
    if (!holds || mount.size() < best_length || !f.contains("free_percent") || !f["free_percent"].is_number())
      continue;
    best_length = mount.size();
    best = 100.0 - f["free_percent"].get<double>();
  }
  return best;
}

}  // namespace

bool is_real_directory(const fs::path& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TreeSize measure_tree(const fs::path& root, const RemedyContext& ctx, bool one_filesystem) {
  TreeSize size;
  count(root, size);
  if (!is_real_directory(root)) return size;
  const dev_t root_device = device_of(root);
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  std::uint64_t seen = 0;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if ((++seen & 1023) == 0 && ctx.expired()) {
      size.complete = false;
      break;
    }
    const fs::path& path = it->path();
    count(path, size);
    std::error_code status_ec;
    const auto status = it->symlink_status(status_ec);
    if (one_filesystem && fs::is_directory(status) && device_of(path) != root_device) it.disable_recursion_pending();
  }
  return size;
}

Removed remove_tree(const fs::path& target, const RemedyContext& ctx) {
  Removed removed;
  removed.size = measure_tree(target, ctx);
  std::error_code ec;
  fs::remove_all(target, ec);  // never follows symbolic links: a link is removed, not what it points to
  if (ec) {
    const TreeSize left = measure_tree(target, ctx);
    removed.errors = left.files > 0 ? left.files : 1;
    removed.first_error = target.string() + ": " + ec.message();
    removed.size.bytes -= std::min(removed.size.bytes, left.bytes);
    removed.size.files -= std::min(removed.size.files, left.files);
  }
  return removed;
}

Effect disk_effect(const fs::path& path) {
  Effect e;
  e.probe = "disk";
  e.label = path.string();
  e.read = [path](const probes::ProbeReport& report) { return used_percent(report, path); };
  return e;
}

Effect cpu_effect() {
  Effect e;
  e.probe = "cpu";
  e.args.set("sample_ms", "300");
  e.label = "CPU busy";
  e.read = [](const probes::ProbeReport& report) -> std::optional<double> {
    const auto total = report.data.value("total", nlohmann::json::object());
    if (!total.contains("busy_percent") || !total["busy_percent"].is_number()) return std::nullopt;
    return total["busy_percent"].get<double>();
  };
  return e;
}

std::string shown_path(const fs::path& path, const RemedyContext& ctx) {
  if (ctx.home.empty()) return path.string();
  const fs::path relative = path.lexically_relative(ctx.home);
  if (relative.empty() || relative.native().starts_with("..")) return path.string();
  return relative == "." ? std::string("~") : "~/" + relative.string();
}

}  // namespace elfdesk::remedies::util
