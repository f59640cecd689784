// `memory`: RAM and swap from /proc/meminfo, pressure (PSI) and OOM kills since boot.
#include <fmt/format.h>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr double kAvailWarn = 10.0;   // percent of RAM available
constexpr double kAvailCrit = 5.0;
constexpr double kSwapWarn = 80.0;    // percent of swap used
constexpr double kPsiSomeWarn = 20.0;  // some avg10, percent of time
constexpr double kPsiFullCrit = 10.0;  // full avg10

// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines of /proc/pressure/memory.
nlohmann::json parse_psi(std::string_view text) {
  nlohmann::json out = nlohmann::json::object();
  for (auto line : util::lines(text)) {
    auto f = util::split_ws(line);
    if (f.empty()) continue;
    nlohmann::json entry = nlohmann::json::object();
    for (std::size_t i = 1; i < f.size(); ++i) {
      auto eq = f[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string key(f[i].substr(0, eq));
      if (key == "total") key = "total_us";
      entry[key] = util::parse_double(f[i].substr(eq + 1)).value_or(0);
    }
    out[std::string(f[0])] = entry;
  }
  return out;
}

void check_pressure(ProbeOutput& out, const nlohmann::json& psi) {
  double some = psi.contains("some") ? psi["some"].value("avg10", 0.0) : 0.0;
  double full = psi.contains("full") ? psi["full"].value("avg10", 0.0) : 0.0;
  if (full >= kPsiFullCrit) {
    out.add("pressure", Severity::critical,
            fmt::format("all tasks stalled on memory {:.1f}% of the last 10 s (critical >= {}%)", full, kPsiFullCrit),
            full);
  } else if (some >= kPsiSomeWarn) {
    out.add("pressure", Severity::warning,
            fmt::format("some tasks stalled on memory {:.1f}% of the last 10 s (warning >= {}%)", some, kPsiSomeWarn),
            some);
  }
}

std::expected<ProbeOutput, Error> run_memory(const ProbeContext& ctx, const ProbeArgs&) {
  auto meminfo = util::read_text(ctx.proc / "meminfo");
  if (!meminfo) return std::unexpected(meminfo.error());
  auto get = [&](std::string_view key) { return util::meminfo_bytes(*meminfo, key).value_or(0); };
  std::uint64_t total = get("MemTotal");
  if (total == 0) return std::unexpected(make_error(ErrorCode::malformed, "meminfo has no MemTotal"));
  std::uint64_t avail = util::meminfo_bytes(*meminfo, "MemAvailable").value_or(get("MemFree") + get("Cached"));
  std::uint64_t swap_total = get("SwapTotal"), swap_free = get("SwapFree");
  std::uint64_t swap_used = swap_total > swap_free ? swap_total - swap_free : 0;
  double avail_pct = util::round_to(util::percent(static_cast<double>(avail), static_cast<double>(total)), 1);
  double swap_pct = util::round_to(util::percent(static_cast<double>(swap_used), static_cast<double>(swap_total)), 1);
  ProbeOutput out;
  out.data = {{"total_bytes", total},         {"available_bytes", avail},        {"available_percent", avail_pct},
              {"used_bytes", total - std::min(total, avail)}, {"free_bytes", get("MemFree")},
              {"buffers_bytes", get("Buffers")}, {"cached_bytes", get("Cached")}, {"swap_total_bytes", swap_total},
              {"swap_free_bytes", swap_free}, {"swap_used_bytes", swap_used},   {"swap_used_percent", swap_pct}};
  Severity s = avail_pct < kAvailCrit ? Severity::critical : avail_pct < kAvailWarn ? Severity::warning : Severity::ok;
  out.add("available", s,
          fmt::format("{} of {} RAM available ({:.1f}%; warning < {}%, critical < {}%)", util::human_bytes(avail),
                      util::human_bytes(total), avail_pct, kAvailWarn, kAvailCrit),
          avail_pct);
  if (swap_total > 0 && swap_pct >= kSwapWarn) {
    out.add("swap", Severity::warning,
            fmt::format("swap {:.1f}% used ({} of {}; warning >= {}%)", swap_pct, util::human_bytes(swap_used),
                        util::human_bytes(swap_total), kSwapWarn),
            swap_pct);
  }
  auto psi_text = util::read_text(ctx.proc / "pressure/memory");
  out.data["pressure"] = psi_text ? parse_psi(*psi_text) : nlohmann::json(nullptr);
  if (psi_text) check_pressure(out, out.data["pressure"]);
  out.data["oom_kills"] = nullptr;
  std::string vmstat = util::read_text(ctx.proc / "vmstat").value_or("");
  for (auto line : util::lines(vmstat)) {
    auto f = util::split_ws(line);
    if (f.size() == 2 && f[0] == "oom_kill") out.data["oom_kills"] = util::parse_number<std::uint64_t>(f[1]).value_or(0);
  }
  if (out.data["oom_kills"].is_number() && out.data["oom_kills"].get<std::uint64_t>() > 0) {
    auto kills = out.data["oom_kills"].get<std::uint64_t>();
    out.add("oom_kills", Severity::warning,
            fmt::format("the kernel's OOM killer ended {} process(es) since boot", kills), kills);
  }
  return out;
}

}  // namespace

ProbeInfo memory_probe_info() {
  return {"memory", "RAM and swap use, memory pressure (PSI), OOM kills since boot", {}, run_memory,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
