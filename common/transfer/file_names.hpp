// Safe names for files that arrive over the network, and creating them without ever overwriting:
// a pushed file lands as "name.ext", else "name (1).ext", "name (2).ext"... created with O_EXCL.
// Pure functions and plain syscalls; any thread.
#pragma once
#include <expected>
#include <string>
#include <string_view>

#include "protocol/error.hpp"

namespace elfdesk::transfer {

// The last path component of `name` with control characters replaced by '_' and at most 200 bytes
// (the extension kept); "download" when nothing usable is left ("", ".", "..", "/").
std::string safe_file_name(std::string_view name);
// "report (2).pdf" for ("report.pdf", 2); n == 0 gives the name itself.
std::string numbered_name(std::string_view name, int n);

struct CreatedFile {
  int fd = -1;       // open for writing; the caller closes it
  std::string path;  // directory + the name that was free
};
// Creates a new file in `directory` (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0644 before the umask) under the
// first free numbered_name of `name`; never replaces or follows anything that exists.
std::expected<CreatedFile, Error> create_unique_file(const std::string& directory, std::string_view name);

}  // namespace elfdesk::transfer
