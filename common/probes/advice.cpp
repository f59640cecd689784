#include "common/probes/advice.hpp"

#include <fmt/format.h>

namespace elfdesk::probes {
namespace {

using json = nlohmann::json;

json remedy(std::string name, json args = json::object()) { return {{"name", std::move(name)}, {"args", std::move(args)}}; }

// A family's data: the report's own, or (triage) the family's part of it.
const json* data_of(const ProbeReport& report, std::string_view family) {
  if (report.probe == family) return &report.data;
  const auto probes = report.data.find("probes");
  if (probes == report.data.end() || !probes->is_object()) return nullptr;
  const auto part = probes->find(std::string(family));
  if (part == probes->end() || !part->is_object() || !part->contains("data")) return nullptr;
  return &(*part)["data"];
}

// The first process of a list in a family's data: {pid, name}.
std::optional<std::pair<long long, std::string>> first_process(const ProbeReport& report, std::string_view family,
                                                               const char* list) {
  const json* data = data_of(report, family);
  if (!data || !data->contains(list) || !(*data)[list].is_array() || (*data)[list].empty()) return std::nullopt;
  const json& p = (*data)[list][0];
  if (!p.is_object() || !p.contains("pid") || !p["pid"].is_number_integer()) return std::nullopt;
  return std::pair{p["pid"].get<long long>(), p.value("name", std::string("?"))};
}

void suggest_stop(Finding& f, const ProbeReport& report, std::string_view family, const char* list,
                  const std::string& what) {
  const auto culprit = first_process(report, family, list);
  if (!culprit) {
    f.advice = what + ": see which program is responsible (elfdesk diag --probe processes) and close it.";
    return;
  }
  f.advice = fmt::format("{}: {} (process {}) uses the most; ask the customer to close it, or stop it.", what,
                         culprit->second, culprit->first);
  f.remedy = remedy("terminate_process", {{"pid", std::to_string(culprit->first)}});
}

std::string after_colon(const std::string& check) {
  const auto colon = check.find(':');
  return colon == std::string::npos ? std::string() : check.substr(colon + 1);
}

void advise_system(Finding& f, const ProbeReport& report) {
  const std::string& c = f.check;
  if (c == "utilisation" || c == "load") {
    suggest_stop(f, report, "cpu", "top_consumers", c == "load" ? "The computer is overloaded" : "The CPU is busy");
  } else if (c == "iowait") {
    f.advice = "Programs wait for a slow or busy disk: check the disk's health and what writes to it.";
  } else if (c == "steal") {
    f.advice = "The virtual machine's host is overloaded: ask the hosting provider for more CPU.";
  } else if (c == "available" || c == "swap" || c == "pressure") {
    suggest_stop(f, report, "processes", "top_memory", "Memory is short");
  } else if (c == "oom_kills") {
    f.advice = "The kernel stopped programs for lack of memory since boot: see which in the journal; add memory.";
  } else if (c == "zombies") {
    const json* data = data_of(report, "processes");
    if (data && data->contains("zombies") && (*data)["zombies"].is_array() && !(*data)["zombies"].empty() &&
        (*data)["zombies"][0].value("ppid", 0LL) > 1) {
      const json& z = (*data)["zombies"][0];
      const long long parent = z.value("ppid", 0LL);
      f.advice = fmt::format("{} (process {}) does not collect its finished children; restarting it clears them.",
                             z.value("parent_name", std::string("the parent")), parent);
      f.remedy = remedy("terminate_process", {{"pid", std::to_string(parent)}});
    } else {
      f.advice = "A program does not collect its finished children; restarting that program clears them.";
    }
  }
}

void advise_disk(Finding& f) {
  const std::string mount = after_colon(f.check);
  if (f.check.starts_with("space:") || f.check.starts_with("inodes:")) {
    f.advice = fmt::format("Free space on {}: see which directories fill it; empty the Trash or clear caches "
                           "if they are on it.", mount);
    f.remedy = remedy("largest_dirs", {{"path", mount}});
  } else if (f.check.starts_with("read_only:")) {
    f.advice = fmt::format("The kernel made {} read-only, usually after disk errors: back up now, then check the "
                           "filesystem (fsck) from a rescue system.", mount);
  }
}

void advise_other(Finding& f, const ProbeReport& report) {
  const std::string& c = f.check;
  if (f.probe == "services_logs" && c == "failed_units") {
    const json* data = data_of(report, "services_logs");
    if (data && data->contains("failed_units") && (*data)["failed_units"].is_array() &&
        !(*data)["failed_units"].empty()) {
      const std::string unit = (*data)["failed_units"][0].value("unit", std::string());
      f.advice = fmt::format("The service {} has failed: read its log, then restart it.", unit);
      if (!unit.empty()) f.remedy = remedy("restart_system_unit", {{"unit", unit}});
    } else {
      f.advice = "systemd could not be asked about failed services.";
    }
  } else if (f.probe == "services_logs" && c == "journal") {
    f.advice = "Serious errors in the system log: read them (elfdesk diag --probe services_logs).";
  } else if (f.probe == "time" && c == "sync") {
    f.advice = "The clock is not synchronised: turn on automatic time synchronisation.";
    if (f.severity == Severity::warning) f.remedy = remedy("enable_time_sync");
  } else if (c == "link") {
    f.advice = "No network connection: check the cable or the Wi-Fi.";
  } else if (c == "default_route") {
    f.advice = "No way out of the local network: check the router and the network settings.";
  } else if (c == "dns_servers" || c.starts_with("resolve:")) {
    f.advice = "Names cannot be looked up (or slowly): check the DNS server in the network settings.";
  } else if (c.starts_with("connect:")) {
    f.advice = "The target cannot be reached: check a firewall or proxy between this computer and it.";
  } else if (c == "display") {
    f.advice = "No display could be checked: is the customer logged in to a graphical session?";
  } else if (c == "monitors") {
    f.advice = "No monitor reported: check the cable and the display settings.";
  } else if (c == "run") {
    f.advice = "The check could not finish: run it again, with a longer time_limit_ms if it timed out.";
  }
}

}  // namespace

void add_advice(ProbeReport& report) {
  for (Finding& f : report.findings) {
    // Recomputed even where a family already advised: a triage report knows more (memory's culprit).
    if (f.severity == Severity::ok) continue;
    f.advice.clear();
    f.remedy = nullptr;
    if (f.probe == "disk") advise_disk(f);
    else if (f.probe == "cpu" || f.probe == "memory" || f.probe == "processes" || f.probe == "system")
      advise_system(f, report);
    else advise_other(f, report);
  }
}

std::string remedy_command_args(const Finding& finding) {
  if (!finding.remedy.is_object() || !finding.remedy.contains("name")) return {};
  std::string out = "--remedy " + finding.remedy["name"].get<std::string>();
  const json args = finding.remedy.value("args", json::object());  // a named copy: items() refers to it
  for (const auto& [key, value] : args.items())
    out += " --arg " + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  return out;
}

}  // namespace elfdesk::probes
