// Helpers shared by the remedy families: sizing a directory tree without following links, removing
// trees, and the effects (probe + number) remedies are measured by. Internal to elfdesk_remedies; any thread.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/remedies/remedy.hpp"

namespace elfdesk::remedies::util {

struct TreeSize {
  std::uint64_t bytes = 0;  // allocated on disk (as du), so it is what deleting frees
  std::uint64_t files = 0;  // everything that is not a directory
  bool complete = true;     // false: the time limit cut the walk short
};
// Walks `root` (itself included when it is a file), never following symbolic links; with `one_filesystem`
// it does not descend into other mounts.
TreeSize measure_tree(const std::filesystem::path& root, const RemedyContext& ctx, bool one_filesystem = false);

// Removes `target` (not following links); what it removed, measured first. `errors` counts what stayed.
struct Removed {
  TreeSize size;
  std::uint64_t errors = 0;
  std::string first_error;
};
Removed remove_tree(const std::filesystem::path& target, const RemedyContext& ctx);

// lstat: a real directory, not a link to one.
bool is_real_directory(const std::filesystem::path& path);

// Used space of the filesystem holding `path`, in percent, from the disk probe ("/home: 97% -> 61%").
Effect disk_effect(const std::filesystem::path& path);
// Busy CPU in percent over a short window, from the cpu probe.
Effect cpu_effect();

// "~/.cache" for a path under home, else the path.
std::string shown_path(const std::filesystem::path& path, const RemedyContext& ctx);

}  // namespace elfdesk::remedies::util
