// The `elfdesk` subcommands. Each takes the words after its name and returns the process exit code.
// Main thread.
#pragma once
#include <string>
#include <vector>

namespace elfdesk::client {

int run_diag_command(const std::vector<std::string>& args);
int run_probes_command(const std::vector<std::string>& args);
int run_screenshot_command(const std::vector<std::string>& args);
int run_view_command(const std::vector<std::string>& args);
int run_fix_command(const std::vector<std::string>& args);       // fix_command.cpp
int run_remedies_command(const std::vector<std::string>& args);  // fix_command.cpp
int run_files_command(const std::vector<std::string>& args);
int run_bundle_command(const std::vector<std::string>& args);
int run_chat_command(const std::vector<std::string>& args);
int run_watch_command(const std::vector<std::string>& args);    // watch_command.cpp
int run_history_command(const std::vector<std::string>& args);  // history_command.cpp

}  // namespace elfdesk::client
