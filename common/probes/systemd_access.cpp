#include "common/probes/systemd_access.hpp"

#ifdef ELFDESK_HAVE_LIBSYSTEMD
#include <fmt/format.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "common/probes/probe_util.hpp"
#endif

namespace elfdesk::probes {

#ifndef ELFDESK_HAVE_LIBSYSTEMD

bool systemd_support_built() { return false; }
std::expected<std::vector<FailedUnit>, Error> list_failed_units(std::chrono::milliseconds) {
  return std::unexpected(make_error(ErrorCode::unavailable, "built without libsystemd"));
}
std::expected<JournalSummary, Error> read_journal_errors(const std::filesystem::path&, long long, std::size_t,
                                                         const ProbeContext&) {
  return std::unexpected(make_error(ErrorCode::unavailable, "built without libsystemd"));
}

#else

namespace {

constexpr std::size_t kScanCap = 10000;  // bounds the time spent counting in a noisy journal

struct BusUnref {
  void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct JournalClose {
  void operator()(sd_journal* j) const { sd_journal_close(j); }
};

Error sd_error(std::string_view what, int rc) {
  return make_error(ErrorCode::unavailable, fmt::format("{}: {}", what, std::strerror(-rc)));
}

std::string field(sd_journal* j, const char* name) {
  const void* data = nullptr;
  size_t length = 0;
  if (sd_journal_get_data(j, name, &data, &length) < 0) return {};
  std::string_view text(static_cast<const char*>(data), length);
  auto eq = text.find('=');
  return eq == std::string_view::npos ? std::string() : std::string(text.substr(eq + 1));
}

JournalEntry entry_of(sd_journal* j, std::uint64_t usec) {
  JournalEntry e;
  std::time_t secs = static_cast<std::time_t>(usec / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  e.time_iso8601 = buffer;
  e.priority = util::parse_number<int>(field(j, "PRIORITY")).value_or(3);
  e.identifier = field(j, "SYSLOG_IDENTIFIER");
  if (e.identifier.empty()) e.identifier = field(j, "_COMM");
  e.unit = field(j, "_SYSTEMD_UNIT");
  e.message = field(j, "MESSAGE");
  if (e.message.size() > 512) e.message.resize(512);
  return e;
}

}  // namespace

bool systemd_support_built() { return true; }

std::expected<std::vector<FailedUnit>, Error> list_failed_units(std::chrono::milliseconds timeout) {
  sd_bus* raw = nullptr;
  if (int rc = sd_bus_open_system(&raw); rc < 0) return std::unexpected(sd_error("system bus", rc));
  std::unique_ptr<sd_bus, BusUnref> bus(raw);
  sd_bus_set_method_call_timeout(bus.get(), static_cast<std::uint64_t>(std::max<long long>(timeout.count(), 1)) * 1000);
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply_raw = nullptr;
  int rc = sd_bus_call_method(bus.get(), "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                              "org.freedesktop.systemd1.Manager", "ListUnitsFiltered", &error, &reply_raw, "as", 1,
                              "failed");
  std::unique_ptr<sd_bus_message, MessageUnref> reply(reply_raw);
  if (rc < 0) {
    std::string detail = error.message ? error.message : std::strerror(-rc);
    sd_bus_error_free(&error);
    return std::unexpected(make_error(ErrorCode::unavailable, "ListUnitsFiltered: " + detail));
  }
  if ((rc = sd_bus_message_enter_container(reply.get(), 'a', "(ssssssouso)")) < 0) {
    return std::unexpected(sd_error("reply", rc));
  }
  std::vector<FailedUnit> units;
  const char *name, *desc, *load, *active, *sub, *following, *path, *job_type, *job_path;
  std::uint32_t job_id = 0;
  while ((rc = sd_bus_message_read(reply.get(), "(ssssssouso)", &name, &desc, &load, &active, &sub, &following,
                                   &path, &job_id, &job_type, &job_path)) > 0) {
    units.push_back({name, desc, load, active, sub});
  }
  if (rc < 0) return std::unexpected(sd_error("reply", rc));
  return units;
}

std::expected<JournalSummary, Error> read_journal_errors(const std::filesystem::path& dir, long long minutes,
                                                         std::size_t max_entries, const ProbeContext& ctx) {
  sd_journal* raw = nullptr;
  int rc = dir.empty() ? sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY) : sd_journal_open_directory(&raw, dir.c_str(), 0);
  if (rc < 0) return std::unexpected(sd_error("sd_journal_open", rc));
  std::unique_ptr<sd_journal, JournalClose> j(raw);
  sd_journal_set_data_threshold(j.get(), 4096);
  for (const char* match : {"PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3"}) {
    sd_journal_add_match(j.get(), match, 0);
  }
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::uint64_t since = static_cast<std::uint64_t>(now.tv_sec - minutes * 60) * 1000000ull;
  JournalSummary summary;
  if ((rc = sd_journal_seek_tail(j.get())) < 0) return std::unexpected(sd_error("seek", rc));
  while (sd_journal_previous(j.get()) > 0 && !ctx.expired()) {
    std::uint64_t usec = 0;
    if (sd_journal_get_realtime_usec(j.get(), &usec) < 0 || usec < since) break;
    if (summary.errors >= kScanCap) {
      summary.capped = true;
      break;
    }
    ++summary.errors;
    int priority = util::parse_number<int>(field(j.get(), "PRIORITY")).value_or(3);
    if (priority <= 2) ++summary.critical;
    if (summary.recent.size() < max_entries) summary.recent.push_back(entry_of(j.get(), usec));
  }
  return summary;
}

#endif

}  // namespace elfdesk::probes
