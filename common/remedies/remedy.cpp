#include "common/remedies/remedy.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace elfdesk::remedies {
namespace {

std::filesystem::path env_path(const char* name) {
  const char* value = std::getenv(name);
  // The XDG spec ignores relative paths: a relative value would act on whatever the cwd is.
  if (value == nullptr || value[0] != '/') return {};
  return value;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::done: return "done";
    case Outcome::dry_run: return "dry_run";
    case Outcome::declined: return "declined";
    case Outcome::failed: return "failed";
    case Outcome::not_available: return "not_available";
    case Outcome::needs_administrator: return "needs_administrator";
    case Outcome::rejected: return "rejected";
  }
  return "failed";
}

std::optional<Outcome> outcome_from_string(std::string_view text) {
  for (Outcome o : {Outcome::done, Outcome::dry_run, Outcome::declined, Outcome::failed, Outcome::not_available,
                    Outcome::needs_administrator, Outcome::rejected}) {
    if (to_string(o) == text) return o;
  }
  return std::nullopt;
}

RemedyContext RemedyContext::from_environment() {
  RemedyContext c;
  c.home = env_path("HOME");
  c.data_home = env_path("XDG_DATA_HOME");
  if (c.data_home.empty() && !c.home.empty()) c.data_home = c.home / ".local/share";
  c.cache_home = env_path("XDG_CACHE_HOME");
  if (c.cache_home.empty() && !c.home.empty()) c.cache_home = c.home / ".cache";
  c.runtime_dir = env_path("XDG_RUNTIME_DIR");
  c.uid = ::getuid();
  c.self = ::getpid();
  return c;
}

bool RemedyContext::expired() const {
  return (cancel && cancel->load()) || std::chrono::steady_clock::now() >= deadline;
}

std::chrono::milliseconds RemedyContext::remaining() const {
  if (expired()) return std::chrono::milliseconds(0);
  if (deadline == std::chrono::steady_clock::time_point::max()) return std::chrono::hours(24);
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
}

bool RemedyContext::polkit_available() const {
  std::error_code ec;
  return ::access(pkexec.c_str(), X_OK) == 0 && std::filesystem::exists(system_bus, ec);
}

void to_json(nlohmann::json& out, const Touched& touched) {
  out = {{"bytes", touched.bytes}, {"files", touched.files}, {"processes", touched.processes}};
}

std::expected<void, Error> RemedyCatalogue::add(RemedyInfo info) {
  if (info.name.empty() || !info.plan || find(info.name))
    return std::unexpected(make_error(ErrorCode::invalid_argument, "remedy '" + info.name + "' cannot be added"));
  remedies_.push_back(std::move(info));
  return {};
}

const RemedyInfo* RemedyCatalogue::find(std::string_view name) const {
  auto it = std::find_if(remedies_.begin(), remedies_.end(), [&](const RemedyInfo& r) { return r.name == name; });
  return it == remedies_.end() ? nullptr : &*it;
}

std::expected<void, Error> RemedyCatalogue::validate(std::string_view name, const probes::ProbeArgs& args) const {
  const RemedyInfo* info = find(name);
  if (!info) {
    std::vector<std::string> names;
    for (const auto& r : remedies_) names.push_back(r.name);
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      fmt::format("unknown remedy '{}'; known remedies: {}", name, fmt::join(names, ", "))));
  }
  // One schema check for probes and remedies; only the word in its messages differs.
  probes::ProbeInfo schema{info->name, info->description, info->args, nullptr, {}};
  auto ok = probes::validate_args(schema, args);
  if (ok) {
    for (const auto& key : info->required)
      if (!args.get(key))
        return std::unexpected(make_error(ErrorCode::invalid_argument,
                                          fmt::format("remedy '{}' needs the argument '{}'", info->name, key)));
    return {};
  }
  std::string detail = ok.error().detail;
  if (detail.starts_with("probe ")) detail.replace(0, 5, "remedy");
  return std::unexpected(make_error(ErrorCode::invalid_argument, std::move(detail)));
}

nlohmann::json RemedyCatalogue::describe() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : remedies_) {
    nlohmann::json args = nlohmann::json::array();
    for (const auto& a : r.args) {
      nlohmann::json arg{{"key", a.key}, {"type", probes::to_string(a.type)}, {"help", a.help}};
      if (a.type == probes::ArgType::integer) {
        arg["min"] = a.min;
        arg["max"] = a.max;
      }
      args.push_back(std::move(arg));
    }
    out.push_back({{"name", r.name}, {"description", r.description}, {"args", std::move(args)},
                   {"administrator", r.administrator}, {"read_only", r.read_only},
                   {"time_limit_ms", r.time_limit.count()}});
  }
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) return fmt::format("{} bytes", bytes);
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 5) {
    value /= 1000;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace elfdesk::remedies
