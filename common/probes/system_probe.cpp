// `system`: OS, kernel, hostname, uptime, boot time, virtualisation, CPU model/count, load averages.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <ctime>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr double kLoadWarnPerCore = 2.0;
constexpr double kLoadCritPerCore = 4.0;

nlohmann::json null_or(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

nlohmann::json os_release(const ProbeContext& ctx) {
  auto text = util::read_text(ctx.os_release);
  if (!text && ctx.os_release == "/etc/os-release") text = util::read_text("/usr/lib/os-release");
  nlohmann::json out{{"id", nullptr}, {"name", nullptr}, {"version_id", nullptr}, {"pretty_name", nullptr}};
  if (!text) return out;
  for (auto line : util::lines(*text)) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(util::trim(line.substr(0, eq)));
    std::string value(util::trim(line.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (key == "ID") out["id"] = value;
    if (key == "NAME") out["name"] = value;
    if (key == "VERSION_ID") out["version_id"] = value;
    if (key == "PRETTY_NAME") out["pretty_name"] = value;
  }
  return out;
}

std::string iso8601_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::optional<std::string> container_kind(const ProbeContext& ctx) {
  std::error_code ec;
  if (std::filesystem::exists(ctx.container_marker, ec)) return "docker";
  auto cgroup = util::read_text(ctx.proc / "1/cgroup");
  if (!cgroup) return std::nullopt;
  for (auto [needle, kind] : {std::pair{"kubepods", "kubernetes"}, {"docker", "docker"}, {"containerd", "containerd"},
                              {"libpod", "podman"}, {"lxc", "lxc"}}) {
    if (cgroup->find(needle) != std::string::npos) return kind;
  }
  return std::nullopt;
}

nlohmann::json cpu_and_virt(const ProbeContext& ctx, int& logical) {
  auto cpuinfo = util::read_text(ctx.proc / "cpuinfo").value_or("");
  std::optional<std::string> model;
  bool hypervisor = false;
  logical = 0;
  for (auto line : util::lines(cpuinfo)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = util::trim(line.substr(0, colon));
    auto value = util::trim(line.substr(colon + 1));
    if (key == "processor") ++logical;
    if (key == "model name" && !model) model = std::string(value);
    if (key == "flags") {
      for (auto flag : util::split_ws(value)) hypervisor = hypervisor || flag == "hypervisor";
    }
  }
  auto container = container_kind(ctx);
  nlohmann::json virt{{"hypervisor_flag", hypervisor},
                      {"dmi_sys_vendor", null_or(util::read_line(ctx.sys / "class/dmi/id/sys_vendor"))},
                      {"dmi_product_name", null_or(util::read_line(ctx.sys / "class/dmi/id/product_name"))},
                      {"container", null_or(container)}};
  virt["kind"] = container ? "container" : hypervisor ? "virtual_machine" : "bare_metal_or_unknown";
  return {{"cpu", {{"model", null_or(model)}, {"logical_cpus", logical}}}, {"virtualisation", virt}};
}

std::expected<ProbeOutput, Error> run_system(const ProbeContext& ctx, const ProbeArgs&) {
  ProbeOutput out;
  utsname uts{};
  uname(&uts);
  out.data["os"] = os_release(ctx);
  out.data["kernel"] = {{"name", null_or(util::read_line(ctx.proc / "sys/kernel/ostype"))},
                        {"release", null_or(util::read_line(ctx.proc / "sys/kernel/osrelease"))},
                        {"version", null_or(util::read_line(ctx.proc / "sys/kernel/version"))},
                        {"machine", uts.machine}};
  out.data["hostname"] = null_or(util::read_line(ctx.proc / "sys/kernel/hostname"));
  std::string uptime = util::read_line(ctx.proc / "uptime").value_or("");
  auto fields = util::split_ws(uptime);
  auto up = fields.empty() ? std::nullopt : util::parse_double(fields[0]);
  out.data["uptime_seconds"] = up ? nlohmann::json(util::round_to(*up, 2)) : nlohmann::json(nullptr);
  out.data["boot_time"] = nullptr;
  std::string stat = util::read_text(ctx.proc / "stat").value_or("");
  for (auto line : util::lines(stat)) {
    auto f = util::split_ws(line);
    if (f.size() == 2 && f[0] == "btime") {
      auto t = util::parse_number<long long>(f[1]).value_or(0);
      out.data["boot_time"] = {{"epoch_seconds", t}, {"iso8601", iso8601_utc(static_cast<std::time_t>(t))}};
    }
  }
  int logical = 0;
  out.data.update(cpu_and_virt(ctx, logical));
  std::string loadavg = util::read_line(ctx.proc / "loadavg").value_or("");
  auto load = util::split_ws(loadavg);
  if (load.size() < 3) {
    out.add("load", Severity::unknown, "cannot read " + (ctx.proc / "loadavg").string());
    return out;
  }
  double l1 = util::parse_double(load[0]).value_or(0), l5 = util::parse_double(load[1]).value_or(0);
  double l15 = util::parse_double(load[2]).value_or(0);
  double per_core = util::round_to(l5 / std::max(logical, 1), 2);
  out.data["load"] = {{"load1", l1}, {"load5", l5}, {"load15", l15}, {"load5_per_core", per_core}};
  Severity s = per_core >= kLoadCritPerCore ? Severity::critical
               : per_core >= kLoadWarnPerCore ? Severity::warning : Severity::ok;
  out.add("load", s,
          fmt::format("5-minute load {:.2f} on {} CPU(s) = {:.2f} per core (warning >= {}, critical >= {})", l5,
                      logical, per_core, kLoadWarnPerCore, kLoadCritPerCore),
          per_core);
  return out;
}

}  // namespace

ProbeInfo system_probe_info() {
  return {"system", "OS, kernel, hostname, uptime, boot time, virtualisation, CPU model and count, load", {},
          run_system, std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
