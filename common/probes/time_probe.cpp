// `time`: wall clock (ISO 8601), timezone (TZ, /etc/localtime, /etc/timezone), kernel sync state.
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>

#include "common/probes/families.hpp"
#include "common/probes/probe_util.hpp"

namespace elfdesk::probes {
namespace {

constexpr long kMaxErrorWarnUs = 1'000'000;  // synchronised but the kernel's error bound exceeds 1 s

nlohmann::json clock_json() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm utc{}, local{};
  gmtime_r(&ts.tv_sec, &utc);
  localtime_r(&ts.tv_sec, &local);
  char u[40], l[40], offset[8];
  std::strftime(u, sizeof u, "%Y-%m-%dT%H:%M:%S", &utc);
  std::strftime(l, sizeof l, "%Y-%m-%dT%H:%M:%S", &local);
  std::strftime(offset, sizeof offset, "%z", &local);  // +hhmm
  std::string off(offset);
  if (off.size() == 5) off = off.substr(0, 3) + ":" + off.substr(3);
  int ms = static_cast<int>(ts.tv_nsec / 1'000'000);
  return {{"epoch_seconds", util::round_to(static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9, 3)},
          {"iso8601_utc", fmt::format("{}.{:03}Z", u, ms)},
          {"iso8601_local", fmt::format("{}.{:03}{}", l, ms, off)},
          {"utc_offset_seconds", local.tm_gmtoff},
          {"zone_abbreviation", local.tm_zone ? local.tm_zone : ""}};
}

nlohmann::json timezone_json(const ProbeContext& ctx) {
  const char* tz = std::getenv("TZ");
  auto file = util::read_line(ctx.timezone_file);
  std::error_code ec;
  nlohmann::json target = nullptr;
  auto link = std::filesystem::read_symlink(ctx.localtime, ec);
  if (!ec) {
    std::string text = link.string();
    auto pos = text.find("zoneinfo/");
    target = pos == std::string::npos ? text : text.substr(pos + 9);
  }
  nlohmann::json name = tz && *tz ? nlohmann::json(tz) : !target.is_null() ? target
                        : file ? nlohmann::json(*file) : nlohmann::json(nullptr);
  return {{"name", name},
          {"tz_env", tz ? nlohmann::json(tz) : nlohmann::json(nullptr)},
          {"localtime_target", target},
          {"timezone_file", file ? nlohmann::json(*file) : nlohmann::json(nullptr)}};
}

std::expected<ProbeOutput, Error> run_time(const ProbeContext& ctx, const ProbeArgs&) {
  ProbeOutput out;
  out.data["clock"] = clock_json();
  out.data["timezone"] = timezone_json(ctx);
  auto sync = ctx.sources.clock_sync ? ctx.sources.clock_sync() : real_clock_sync();
  if (!sync) {
    out.data["sync"] = nullptr;
    out.add("sync", Severity::unknown, "cannot read the kernel clock state: " + sync.error().detail);
    return out;
  }
  out.data["sync"] = {{"synchronised", sync->synchronised}, {"max_error_us", sync->max_error_us},
                      {"est_error_us", sync->est_error_us}, {"clock_state", sync->clock_state},
                      {"status_bits", sync->status_bits}};
  if (!sync->synchronised) {
    out.add("sync", Severity::warning,
            fmt::format("system clock is not synchronised (kernel STA_UNSYNC; maximum error {:.1f} s): "
                        "no NTP/chrony/timesyncd is disciplining it",
                        static_cast<double>(sync->max_error_us) / 1e6),
            false);
  } else if (sync->max_error_us >= kMaxErrorWarnUs) {
    out.add("sync", Severity::warning,
            fmt::format("clock synchronised but its maximum error is {:.1f} s (warning >= 1 s)",
                        static_cast<double>(sync->max_error_us) / 1e6),
            sync->max_error_us);
  } else {
    out.add("sync", Severity::ok,
            fmt::format("clock synchronised (maximum error {:.1f} ms)", static_cast<double>(sync->max_error_us) / 1e3),
            true);
  }
  return out;
}

}  // namespace

ProbeInfo time_probe_info() {
  return {"time", "wall clock (ISO 8601), timezone, and whether the kernel clock is synchronised", {}, run_time,
          std::chrono::milliseconds(0)};
}

}  // namespace elfdesk::probes
