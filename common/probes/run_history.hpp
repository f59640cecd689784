// The watcher's history: one JSON object per run, one per line, in $XDG_STATE_HOME/elfdesk/ (default
// ~/.local/state/elfdesk/), kept under a byte bound by dropping the oldest runs. Written by the watcher
// (common/watch/), read by the `history` probe. One writer per file; any thread; no state between calls.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <expected>
#include <filesystem>
#include <vector>

#include "protocol/error.hpp"

namespace elfdesk::probes {

// $XDG_STATE_HOME/elfdesk, else $HOME/.local/state/elfdesk; empty when neither variable is set.
std::filesystem::path default_state_dir();
// default_state_dir()/watch-history.jsonl (empty when there is no state dir).
std::filesystem::path default_history_path();

inline constexpr std::size_t kDefaultHistoryBytes = 1u << 20;

class RunHistory {
 public:
  RunHistory(std::filesystem::path path, std::size_t max_bytes = kDefaultHistoryBytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}

  // Appends one run (one line, mode 0600, creating the directory). When the file would pass max_bytes
  // the oldest runs are dropped until it holds at most half of it, but always the newest run if that alone
  // fits (rewritten through a temp file and a rename, so a reader never sees a torn file; halving keeps
  // the rewrite rare).
  std::expected<void, Error> append(const nlohmann::json& run) const;
  // The newest `count` runs, oldest first. A missing file is no runs; unparseable lines are skipped.
  std::expected<std::vector<nlohmann::json>, Error> newest(std::size_t count) const;

  const std::filesystem::path& path() const { return path_; }
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  std::filesystem::path path_;
  std::size_t max_bytes_;
};

}  // namespace elfdesk::probes
