// The code file (`--code-file`): the customer's current code for scripts and tests, written atomically
// and readable by the customer only. Network thread (whenever a code is issued).
#pragma once
#include <string>

namespace elfdesk::host {

// Writes `formatted` and a newline to `path` (nothing when empty) through a temporary file and rename,
// never following a planted symlink, mode 0600. Failures are logged: the code is still shown on screen.
void write_code_file(const std::string& path, const std::string& formatted);

}  // namespace elfdesk::host
