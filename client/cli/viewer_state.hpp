// What the viewer remembers per host between sessions: the scale mode and fullscreen, keyed by the host
// key of its SessionInfo (view_keys below: any route), else the dialled address. A small JSON file ($XDG_STATE_HOME/elfdesk/viewer.json, default
// ~/.local/state/elfdesk/viewer.json) replaced atomically (temporary file + rename). Main thread; plain data.
#pragma once
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "protocol/error.hpp"

namespace elfdesk::client {

struct HostViewState {
  bool one_to_one = false;
  bool fullscreen = false;
  friend bool operator==(const HostViewState&, const HostViewState&) = default;
};

// What a host's view is remembered by: "key <host key>" when the host sent a SessionInfo (the same machine
// whether dialled, through a relay or in --listen mode; two machines never share it), else `address_key`
// (an older host dialled directly), else "" (an older host through a relay: nothing to remember it by).
std::string view_key(const std::string& host_key, const std::string& address_key);

class ViewerStateFile {
 public:
  static constexpr std::size_t kMaxHosts = 200;  // the least recently saved are forgotten beyond this

  // $XDG_STATE_HOME/elfdesk/viewer.json, else $HOME/.local/state/elfdesk/viewer.json; empty without either.
  static std::filesystem::path default_path();

  // Reads `path`; a missing, unreadable or malformed file is an empty state (it is only a convenience).
  static ViewerStateFile load(std::filesystem::path path);

  std::optional<HostViewState> find(const std::string& host) const;
  // Remembers `state` for `host` and writes the whole file atomically (directory created 0700).
  std::expected<void, Error> remember(const std::string& host, const HostViewState& state);

 private:
  struct Entry {
    HostViewState state;
    std::uint64_t order = 0;  // larger: saved more recently
  };
  std::filesystem::path path_;
  std::map<std::string, Entry> hosts_;
  std::uint64_t next_order_ = 0;
};

}  // namespace elfdesk::client
