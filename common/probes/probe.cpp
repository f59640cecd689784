#include "common/probes/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "common/probes/probe_util.hpp"
#include "protocol/limits.hpp"

namespace elfdesk::probes {

std::optional<std::string> ProbeArgs::get(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return v;
  }
  return std::nullopt;
}

long long ProbeArgs::get_int(std::string_view key, long long fallback) const {
  auto text = get(key);
  if (!text) return fallback;
  return util::parse_number<long long>(*text).value_or(fallback);
}

bool ProbeArgs::get_bool(std::string_view key, bool fallback) const {
  auto text = get(key);
  if (!text) return fallback;
  if (*text == "true" || *text == "1" || *text == "yes") return true;
  if (*text == "false" || *text == "0" || *text == "no") return false;
  return fallback;
}

std::string ProbeArgs::get_string(std::string_view key, std::string fallback) const {
  auto text = get(key);
  return text ? *text : std::move(fallback);
}

void ProbeArgs::set(std::string key, std::string value) {
  for (auto& [k, v] : items) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

ProbeContext ProbeContext::rooted_at(const std::filesystem::path& root) {
  ProbeContext c;
  c.proc = root / "proc";
  c.sys = root / "sys";
  c.mount_table = root / "proc/self/mounts";
  c.os_release = root / "etc/os-release";
  c.resolv_conf = root / "etc/resolv.conf";
  c.timezone_file = root / "etc/timezone";
  c.localtime = root / "etc/localtime";
  c.container_marker = root / ".dockerenv";
  c.systemd_marker = root / "run/systemd/system";
  c.journal_dir = root / "var/log/journal";
  return c;
}

bool ProbeContext::expired() const {
  if (cancel && cancel->load(std::memory_order_relaxed)) return true;
  return std::chrono::steady_clock::now() >= deadline;
}

std::chrono::milliseconds ProbeContext::remaining() const {
  if (expired()) return std::chrono::milliseconds(0);
  if (deadline == std::chrono::steady_clock::time_point::max()) return std::chrono::hours(24);
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
}

bool ProbeContext::sleep_for(std::chrono::milliseconds duration) const {
  auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (expired()) return false;
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10)));
  }
  return !expired();
}

void ProbeOutput::add(std::string check, Severity severity, std::string reason, nlohmann::json value) {
  findings.push_back(Finding{"", std::move(check), severity, std::move(reason), std::move(value)});
}

void to_json(nlohmann::json& out, const ProbeReport& report) {
  out = nlohmann::json{{"probe", report.probe},
                       {"worst", to_string(report.worst)},
                       {"exit_code", exit_code(report.worst)},
                       {"elapsed_ms", util::round_to(report.elapsed_ms, 3)},
                       {"findings", report.findings},
                       {"data", report.data}};
}

void from_json(const nlohmann::json& in, ProbeReport& report) {
  report.probe = in.at("probe").get<std::string>();
  auto worst = severity_from_string(in.at("worst").get<std::string>());
  if (!worst) throw nlohmann::json::other_error::create(501, worst.error().detail, &in);
  report.worst = *worst;
  report.elapsed_ms = in.value("elapsed_ms", 0.0);
  report.findings = in.at("findings").get<std::vector<Finding>>();
  report.data = in.value("data", nlohmann::json::object());
}

std::expected<ProbeReport, Error> report_from_json(const nlohmann::json& in) {
  try {
    return in.get<ProbeReport>();
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(make_error(ErrorCode::malformed, std::string("probe report: ") + e.what()));
  }
}

std::string_view to_string(ArgType type) {
  switch (type) {
    case ArgType::integer: return "integer";
    case ArgType::boolean: return "boolean";
    case ArgType::string: return "string";
  }
  return "string";
}

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > limits::kMaxShortString) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<std::string> check_value(const ArgSpec& spec, std::string_view value) {
  switch (spec.type) {
    case ArgType::integer: {
      auto number = util::parse_number<long long>(value);
      if (!number) return fmt::format("expected an integer, got '{}'", value);
      if (*number < spec.min || *number > spec.max) {
        return fmt::format("{} is out of range [{}, {}]", *number, spec.min, spec.max);
      }
      return std::nullopt;
    }
    case ArgType::boolean:
      if (value == "true" || value == "false" || value == "1" || value == "0" || value == "yes" ||
          value == "no") {
        return std::nullopt;
      }
      return fmt::format("expected true or false, got '{}'", value);
    case ArgType::string:
      if (value.empty()) return std::string("must not be empty");
      return spec.check ? spec.check(value) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::expected<void, Error> validate_args(const ProbeInfo& info, const ProbeArgs& args) {
  auto fail = [&](std::string detail) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, std::move(detail)));
  };
  if (args.items.size() > limits::kMaxProbeArgs) {
    return fail(fmt::format("probe '{}': {} arguments given, at most {} allowed", info.name,
                            args.items.size(), limits::kMaxProbeArgs));
  }
  std::vector<std::string> allowed;
  for (const auto& spec : info.args) allowed.push_back(spec.key);
  for (std::size_t i = 0; i < args.items.size(); ++i) {
    const auto& [key, value] = args.items[i];
    auto spec = std::find_if(info.args.begin(), info.args.end(), [&](const ArgSpec& s) { return s.key == key; });
    if (spec == info.args.end()) {
      return fail(fmt::format("probe '{}' has no argument '{}'; allowed: {}", info.name, key,
                              allowed.empty() ? "(none)" : fmt::format("{}", fmt::join(allowed, ", "))));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (args.items[j].first == key) return fail(fmt::format("probe '{}': argument '{}' given twice", info.name, key));
    }
    if (value.size() > limits::kMaxProbeArgValue) {
      return fail(fmt::format("probe '{}': value of '{}' is longer than {} bytes", info.name, key,
                              limits::kMaxProbeArgValue));
    }
    if (auto problem = check_value(*spec, value)) {
      return fail(fmt::format("probe '{}': argument '{}' ({}): {}", info.name, key, to_string(spec->type), *problem));
    }
  }
  return {};
}

std::expected<void, Error> ProbeRegistry::add(ProbeInfo info) {
  if (!valid_name(info.name)) {
    return std::unexpected(make_error(ErrorCode::invalid_argument,
                                      "probe name '" + info.name + "' must be [a-z0-9_-]+"));
  }
  if (!info.fn) return std::unexpected(make_error(ErrorCode::invalid_argument, "probe '" + info.name + "' has no function"));
  if (find(info.name)) {
    return std::unexpected(make_error(ErrorCode::invalid_argument, "probe '" + info.name + "' is already registered"));
  }
  probes_.push_back(std::move(info));
  return {};
}

const ProbeInfo* ProbeRegistry::find(std::string_view name) const {
  for (const auto& p : probes_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> ProbeRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& p : probes_) out.push_back(p.name);
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json ProbeRegistry::describe() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : probes_) {
    nlohmann::json args = nlohmann::json::array();
    for (const auto& a : p.args) {
      nlohmann::json arg{{"key", a.key}, {"type", to_string(a.type)}, {"help", a.help}};
      if (a.type == ArgType::integer) {
        arg["min"] = a.min;
        arg["max"] = a.max;
      }
      args.push_back(std::move(arg));
    }
    out.push_back({{"name", p.name}, {"description", p.description}, {"args", std::move(args)},
                   {"time_limit_ms", p.time_limit.count()}});
  }
  return out;
}

}  // namespace elfdesk::probes
