#include "host/core/code_file.hpp"

#include "common/log.hpp"
#include "common/replace_file.hpp"

namespace elfdesk::host {

void write_code_file(const std::string& path, const std::string& formatted) {
  if (path.empty()) return;
  // 0600 from its first byte, and never through a symlink planted at the temporary name.
  if (auto written = replace_file(path, formatted + "\n"); !written)
    log::error("cannot write code file: {}", written.error().detail);
}

}  // namespace elfdesk::host
