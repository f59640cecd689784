#include "client/cli/viewer_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <vector>

#include "common/replace_file.hpp"

namespace elfdesk::client {
namespace {
constexpr std::uintmax_t kMaxFileBytes = 256 * 1024;
}  // namespace

std::string view_key(const std::string& host_key, const std::string& address_key) {
  return host_key.empty() ? address_key : "key " + host_key;
}

std::filesystem::path ViewerStateFile::default_path() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state == '/')
    return std::filesystem::path(state) / "elfdesk" / "viewer.json";
  if (const char* home = std::getenv("HOME"); home && *home == '/')
    return std::filesystem::path(home) / ".local" / "state" / "elfdesk" / "viewer.json";
  return {};
}

ViewerStateFile ViewerStateFile::load(std::filesystem::path path) {
  ViewerStateFile file;
  file.path_ = std::move(path);
  std::error_code ec;
  if (file.path_.empty() || std::filesystem::file_size(file.path_, ec) > kMaxFileBytes || ec) return file;
  std::ifstream in(file.path_);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("hosts") || !doc["hosts"].is_array()) return file;
  for (const auto& h : doc["hosts"]) {
    if (!h.is_object() || !h.contains("host") || !h["host"].is_string()) continue;
    Entry e;
    const auto scale = h.find("scale");  // value() would throw on a wrong type: checked by hand
    const auto fullscreen = h.find("fullscreen");
    e.state.one_to_one = scale != h.end() && scale->is_string() && scale->get<std::string>() == "1:1";
    e.state.fullscreen = fullscreen != h.end() && fullscreen->is_boolean() && fullscreen->get<bool>();
    e.order = file.next_order_++;  // the file lists hosts oldest first
    file.hosts_[h["host"].get<std::string>()] = e;
  }
  return file;
}

std::optional<HostViewState> ViewerStateFile::find(const std::string& host) const {
  const auto it = hosts_.find(host);
  if (it == hosts_.end()) return std::nullopt;
  return it->second.state;
}

std::expected<void, Error> ViewerStateFile::remember(const std::string& host, const HostViewState& state) {
  if (path_.empty()) return std::unexpected(make_error(ErrorCode::unavailable, "no state directory (HOME unset)"));
  hosts_[host] = Entry{state, next_order_++};
  while (hosts_.size() > kMaxHosts)
    hosts_.erase(std::min_element(hosts_.begin(), hosts_.end(),
                                  [](const auto& a, const auto& b) { return a.second.order < b.second.order; }));
  std::vector<std::pair<std::uint64_t, std::string>> by_age;
  for (const auto& [name, e] : hosts_) by_age.emplace_back(e.order, name);
  std::sort(by_age.begin(), by_age.end());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [order, name] : by_age) {
    const HostViewState& s = hosts_[name].state;
    list.push_back({{"host", name}, {"scale", s.one_to_one ? "1:1" : "fit"}, {"fullscreen", s.fullscreen}});
  }
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return std::unexpected(make_error(ErrorCode::unavailable, path_.parent_path().string() + ": " + ec.message()));
  std::filesystem::permissions(path_.parent_path(), std::filesystem::perms::owner_all, ec);
  // A crash or a second viewer never leaves half a file.
  if (auto written = replace_file(path_, nlohmann::json{{"version", 1}, {"hosts", list}}.dump(2) + "\n"); !written)
    return std::unexpected(make_error(ErrorCode::unavailable, written.error().detail));
  return {};
}

}  // namespace elfdesk::client
