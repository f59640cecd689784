// The customer's own files: the largest directories under a path (read-only), emptying the freedesktop
// Trash, clearing large cache directories. Only paths under the customer's XDG directories are changed.
#include <fmt/format.h>

#include <algorithm>

#include "common/remedies/families.hpp"
#include "common/remedies/remedy_util.hpp"

namespace elfdesk::remedies {
namespace fs = std::filesystem;
namespace {

std::expected<RemedyPlan, Error> plan_largest_dirs(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const fs::path root = fs::path(args.get_string("path", "/")).lexically_normal();
  const auto top = static_cast<std::size_t>(args.get_int("top", 10));
  RemedyPlan plan;
  if (!util::is_real_directory(root)) {
    plan.outcome = Outcome::failed;
    plan.summary = root.string() + " is not a directory";
    return plan;
  }
  nlohmann::json dirs = nlohmann::json::array();
  std::vector<std::pair<std::uint64_t, fs::path>> sizes;
  bool complete = true;
  std::error_code ec;
  for (fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!util::is_real_directory(it->path())) continue;
    const util::TreeSize size = util::measure_tree(it->path(), ctx, true);  // this filesystem only
    complete = complete && size.complete;
    sizes.emplace_back(size.bytes, it->path());
    plan.touched.files += size.files;
    if (!size.complete) break;
  }
  std::sort(sizes.begin(), sizes.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (sizes.size() > top) sizes.resize(top);
  std::vector<std::string> words;
  for (const auto& [bytes, path] : sizes) {
    dirs.push_back({{"path", path.string()}, {"bytes", bytes}, {"size", human_bytes(bytes)}});
    if (words.size() < 3) words.push_back(fmt::format("{} {}", path.string(), human_bytes(bytes)));
  }
  plan.details = {{"path", root.string()}, {"directories", dirs}, {"complete", complete}};
  plan.summary = sizes.empty() ? "no directories under " + root.string()
                               : fmt::format("largest under {}: {}{}", root.string(), fmt::join(words, ", "),
                                             complete ? "" : " (stopped at the time limit)");
  return plan;
}

std::expected<RemedyPlan, Error> plan_empty_trash(const RemedyContext& ctx, const probes::ProbeArgs&) {
  RemedyPlan plan;
  if (ctx.data_home.empty()) {
    plan.outcome = Outcome::not_available;
    plan.summary = "neither XDG_DATA_HOME nor HOME is set, so there is no Trash to find";
    return plan;
  }
  const fs::path trash = ctx.data_home / "Trash";
  // The Trash's parts, each a real directory (a link could point anywhere).
  std::vector<fs::path> parts;
  for (const char* part : {"files", "info", "expunged"})
    if (util::is_real_directory(trash / part)) parts.push_back(trash / part);
  std::vector<fs::path> entries;
  util::TreeSize size;
  std::error_code ec;
  for (const auto& part : parts) {
    for (fs::directory_iterator it(part, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(it->path());
      const util::TreeSize one = util::measure_tree(it->path(), ctx);
      size.bytes += one.bytes;
      if (part.filename() == "files") size.files += one.files;
    }
  }
  plan.touched = {size.bytes, size.files, nlohmann::json::array()};
  plan.details = {{"trash", trash.string()}, {"entries", entries.size()}};
  plan.effects.push_back(util::disk_effect(trash));
  if (entries.empty()) {
    plan.summary = "your Trash is already empty";
    return plan;
  }
  plan.question = fmt::format("delete {} in your Trash ({} files)", human_bytes(size.bytes), size.files);
  plan.apply = [entries, files = size.files](const RemedyContext& c) {
    Applied out;
    std::uint64_t errors = 0;
    std::string first_error;
    for (const auto& entry : entries) {
      const util::Removed r = util::remove_tree(entry, c);
      out.touched.bytes += r.size.bytes;
      if (entry.parent_path().filename() == "files") out.touched.files += r.size.files;
      errors += r.errors;
      if (first_error.empty()) first_error = r.first_error;
    }
    out.outcome = errors == 0 ? Outcome::done : Outcome::failed;
    out.summary = fmt::format("deleted {} in your Trash ({} of {} files)", human_bytes(out.touched.bytes),
                              out.touched.files, files);
    if (errors != 0) out.summary += fmt::format("; {} could not be deleted: {}", errors, first_error);
    return out;
  };
  return plan;
}

std::expected<RemedyPlan, Error> plan_clear_cache(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const auto min_mib = static_cast<std::uint64_t>(args.get_int("min_mib", 100));
  RemedyPlan plan;
  if (ctx.cache_home.empty() || !util::is_real_directory(ctx.cache_home)) {
    plan.summary = "there is no cache directory" + (ctx.cache_home.empty() ? "" : " at " + ctx.cache_home.string());
    return plan;
  }
  std::vector<std::pair<fs::path, util::TreeSize>> chosen;
  util::TreeSize total;
  std::error_code ec;
  for (fs::directory_iterator it(ctx.cache_home, ec), end; !ec && it != end; it.increment(ec)) {
    if (!util::is_real_directory(it->path())) continue;
    const util::TreeSize size = util::measure_tree(it->path(), ctx);
    if (size.bytes < min_mib * 1024 * 1024) continue;
    chosen.emplace_back(it->path(), size);
    total.bytes += size.bytes;
    total.files += size.files;
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
  std::vector<std::string> names;
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& [path, size] : chosen) {
    names.push_back(path.filename().string());
    dirs.push_back({{"path", path.string()}, {"bytes", size.bytes}, {"files", size.files}});
  }
  const std::string where = util::shown_path(ctx.cache_home, ctx);
  plan.touched = {total.bytes, total.files, nlohmann::json::array()};
  plan.details = {{"cache", ctx.cache_home.string()}, {"min_mib", min_mib}, {"directories", dirs}};
  plan.effects.push_back(util::disk_effect(ctx.cache_home));
  if (chosen.empty()) {
    plan.summary = fmt::format("no cache folder in {} is larger than {} MiB", where, min_mib);
    return plan;
  }
  plan.question = fmt::format("delete {} cache folder{} over {} MiB ({}: {})", chosen.size(),
                              chosen.size() == 1 ? "" : "s", min_mib, human_bytes(total.bytes), fmt::join(names, ", "));
  plan.apply = [chosen, where](const RemedyContext& c) {
    Applied out;
    std::uint64_t errors = 0;
    std::string first_error;
    for (const auto& [path, size] : chosen) {
      const util::Removed r = util::remove_tree(path, c);
      out.touched.bytes += r.size.bytes;
      out.touched.files += r.size.files;
      errors += r.errors;
      if (first_error.empty()) first_error = r.first_error;
    }
    out.outcome = errors == 0 ? Outcome::done : Outcome::failed;
    out.summary = fmt::format("deleted {} in {} cache folder{} in {}", human_bytes(out.touched.bytes), chosen.size(),
                              chosen.size() == 1 ? "" : "s", where);
    if (errors != 0) out.summary += fmt::format("; {} could not be deleted: {}", errors, first_error);
    return out;
  };
  return plan;
}

std::optional<std::string> absolute_path(std::string_view value) {
  if (value.front() != '/') return std::string("must be an absolute path");
  return std::nullopt;
}

}  // namespace

void add_file_remedies(RemedyCatalogue& catalogue) {
  using probes::ArgType;
  (void)catalogue.add({"largest_dirs", "show the largest directories under a path on its filesystem (read-only)",
                       {{"path", ArgType::string, "directory to look under, absolute (default /)", 0, 0, absolute_path},
                        {"top", ArgType::integer, "how many to list (default 10)", 1, 50, {}}},
                       false, true, std::chrono::milliseconds(20000), plan_largest_dirs});
  (void)catalogue.add({"empty_trash", "empty the customer's Trash (freedesktop Trash under XDG_DATA_HOME)", {},
                       false, false, std::chrono::milliseconds(60000), plan_empty_trash});
  (void)catalogue.add({"clear_cache", "delete the customer's cache folders (XDG_CACHE_HOME) larger than min_mib",
                       {{"min_mib", ArgType::integer, "only folders larger than this, MiB (default 100)", 1, 1048576, {}}},
                       false, false, std::chrono::milliseconds(60000), plan_clear_cache});
}

}  // namespace elfdesk::remedies
