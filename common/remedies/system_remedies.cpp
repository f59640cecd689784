// Services and system housekeeping: restart a failed user unit (systemctl --user), and the administrator
// actions (vacuum the journal, clean the package cache, restart a failed system unit, turn on time sync),
// which run a fixed program through pkexec so that polkit asks an administrator in the customer's own
// session. elfdesk never sees, stores or sends a password. Programs are started with a fixed argument
// vector (posix_spawn), never through a shell.
#include <fmt/format.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/probes/probe_util.hpp"
#include "common/remedies/families.hpp"
#include "common/remedies/remedy_util.hpp"

extern char** environ;

namespace elfdesk::remedies {
namespace fs = std::filesystem;
namespace {

struct Ran {
  int exit_code = -1;  // -1: killed at the time limit or by a signal
  std::string errors;  // the first KiB of its standard error
};

// Runs argv[0] with exactly these arguments; its output is discarded except the start of stderr.
std::expected<Ran, Error> run_program(const std::vector<std::string>& argv, const RemedyContext& ctx) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::unexpected(make_error(ErrorCode::io, "pipe failed"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t child = 0;
  const int rc = ::posix_spawn(&child, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return std::unexpected(make_error(ErrorCode::io, fmt::format("cannot start {}: {}", argv[0], std::strerror(rc))));
  }
  Ran ran;
  char buffer[512];
  for (bool open = true; open;) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    const auto wait = std::min<long long>(ctx.remaining().count(), 200);
    if (ctx.expired()) break;
    if (::poll(&p, 1, static_cast<int>(wait)) <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) open = false;
    else if (ran.errors.size() < 1024) ran.errors.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (ctx.expired()) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) ran.exit_code = WEXITSTATUS(status);
  return ran;
}

bool systemd_running(const RemedyContext& ctx) {
  std::error_code ec;
  return fs::exists(ctx.systemd_marker, ec);
}

std::optional<std::string> unit_name(std::string_view value) {
  static constexpr std::string_view kSuffixes[] = {".service", ".socket", ".timer", ".path", ".mount", ".target"};
  if (value.size() > 200 || value.front() == '-') return std::string("is not a unit name");
  for (char c : value)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '.' || c == '@' || c == '-'))
      return std::string("may only hold letters, digits and :_.@-");
  for (auto suffix : kSuffixes)
    if (value.size() > suffix.size() && value.ends_with(suffix)) return std::nullopt;
  return std::string("must end in .service, .socket, .timer, .path, .mount or .target");
}

// An administrator action: not available without what it needs, "needs administrator" without polkit,
// otherwise a plan that runs `argv` through pkexec once the customer allowed it.
RemedyPlan admin_plan(const RemedyContext& ctx, std::vector<std::string> argv, std::string question) {
  RemedyPlan plan;
  const std::string command = fmt::format("{}", fmt::join(argv, " "));
  plan.details = {{"command", argv}, {"through", "pkexec (polkit)"}};
  if (!ctx.polkit_available()) {
    plan.outcome = Outcome::needs_administrator;
    plan.summary = fmt::format("this needs an administrator, and polkit cannot ask one on this computer ({} or the "
                               "system bus is missing); an administrator can run: {}", ctx.pkexec.string(), command);
    return plan;
  }
  plan.question = std::move(question) + " (an administrator's password is asked)";
  argv.insert(argv.begin(), ctx.pkexec.string());
  plan.apply = [argv, command](const RemedyContext& c) {
    Applied out;
    auto ran = run_program(argv, c);
    if (!ran) {
      out.outcome = Outcome::failed;
      out.summary = ran.error().detail;
    } else if (ran->exit_code == 0) {
      out.summary = "done: " + command;
    } else if (ran->exit_code == 126 || ran->exit_code == 127) {  // pkexec: not authorised, or dismissed
      out.outcome = Outcome::needs_administrator;
      out.summary = "the administrator's authorisation was refused or cancelled: " + command + " did not run";
    } else {
      out.outcome = Outcome::failed;
      out.summary = fmt::format("{} failed (exit {}): {}", command, ran->exit_code,
                                std::string(probes::util::trim(ran->errors)));
    }
    return out;
  };
  return plan;
}

RemedyPlan not_available(std::string why) {
  RemedyPlan plan;
  plan.outcome = Outcome::not_available;
  plan.summary = std::move(why);
  return plan;
}

constexpr const char* kNoSystemd = "this computer does not run systemd (no /run/systemd/system)";

std::expected<RemedyPlan, Error> plan_user_unit(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const std::string unit = args.get_string("unit", "");
  std::error_code ec;
  if (ctx.runtime_dir.empty() || !fs::exists(ctx.runtime_dir / "systemd/private", ec))
    return not_available("there is no systemd user manager in the customer's session, so no user unit to restart");
  RemedyPlan plan;
  const std::vector<std::string> argv{(ctx.bin_dir / "systemctl").string(), "--user", "restart", "--", unit};
  plan.question = fmt::format("restart your background service {}", unit);
  plan.details = {{"unit", unit}};
  plan.apply = [argv, unit](const RemedyContext& c) {
    Applied out;
    auto ran = run_program(argv, c);
    out.outcome = ran && ran->exit_code == 0 ? Outcome::done : Outcome::failed;
    out.summary = out.outcome == Outcome::done ? "restarted " + unit
                  : ran ? fmt::format("restarting {} failed: {}", unit, std::string(probes::util::trim(ran->errors)))
                        : ran.error().detail;
    return out;
  };
  return plan;
}

std::expected<RemedyPlan, Error> plan_vacuum_journal(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const long long mib = args.get_int("max_mib", 500);
  if (!systemd_running(ctx)) return not_available(std::string(kNoSystemd) + ", so there is no system journal to vacuum");
  RemedyPlan plan = admin_plan(ctx, {(ctx.bin_dir / "journalctl").string(), fmt::format("--vacuum-size={}M", mib)},
                               fmt::format("shrink the system log to {} MiB", mib));
  plan.effects.push_back(util::disk_effect("/var/log/journal"));
  return plan;
}

std::expected<RemedyPlan, Error> plan_package_cache(const RemedyContext& ctx, const probes::ProbeArgs&) {
  struct Manager { const char* program; std::vector<std::string> args; const char* cache; };
  const Manager managers[] = {{"apt-get", {"clean"}, "/var/cache/apt"},
                              {"dnf", {"clean", "packages"}, "/var/cache/dnf"},
                              {"zypper", {"--non-interactive", "clean"}, "/var/cache/zypp"}};
  for (const auto& m : managers) {
    const fs::path program = ctx.bin_dir / m.program;
    if (::access(program.c_str(), X_OK) != 0) continue;
    std::vector<std::string> argv{program.string()};
    argv.insert(argv.end(), m.args.begin(), m.args.end());
    RemedyPlan plan = admin_plan(ctx, argv, fmt::format("delete downloaded installation packages ({})", m.program));
    plan.effects.push_back(util::disk_effect(m.cache));
    return plan;
  }
  return not_available("no package manager elfdesk knows (apt-get, dnf, zypper) in " + ctx.bin_dir.string());
}

std::expected<RemedyPlan, Error> plan_system_unit(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const std::string unit = args.get_string("unit", "");
  if (!systemd_running(ctx)) return not_available(std::string(kNoSystemd) + ", so there are no system units");
  RemedyPlan plan = admin_plan(ctx, {(ctx.bin_dir / "systemctl").string(), "restart", "--", unit},
                               fmt::format("restart the system service {}", unit));
  plan.details["unit"] = unit;
  return plan;
}

std::expected<RemedyPlan, Error> plan_time_sync(const RemedyContext& ctx, const probes::ProbeArgs&) {
  if (!systemd_running(ctx)) return not_available(std::string(kNoSystemd) + ", so timedatectl cannot turn on time sync");
  return admin_plan(ctx, {(ctx.bin_dir / "timedatectl").string(), "set-ntp", "true"},
                    "turn on automatic time synchronisation");
}

}  // namespace

void add_system_remedies(RemedyCatalogue& catalogue) {
  using probes::ArgType;
  const probes::ArgSpec unit{"unit", ArgType::string, "unit name, e.g. backup.service (required)", 0, 0, unit_name};
  (void)catalogue.add({"restart_user_unit", "restart a failed unit of the customer's systemd user manager", {unit},
                       false, false, std::chrono::milliseconds(30000), plan_user_unit, {"unit"}});
  (void)catalogue.add({"vacuum_journal", "administrator: shrink the system journal to max_mib (journalctl, polkit)",
                       {{"max_mib", ArgType::integer, "size to keep, MiB (default 500)", 16, 1048576, {}}},
                       true, false, std::chrono::milliseconds(120000), plan_vacuum_journal});
  (void)catalogue.add({"clean_package_cache", "administrator: delete downloaded packages (apt-get/dnf/zypper, polkit)",
                       {}, true, false, std::chrono::milliseconds(120000), plan_package_cache});
  (void)catalogue.add({"restart_system_unit", "administrator: restart a failed system unit (systemctl, polkit)", {unit},
                       true, false, std::chrono::milliseconds(120000), plan_system_unit, {"unit"}});
  (void)catalogue.add({"enable_time_sync", "administrator: turn on time synchronisation (timedatectl, polkit)", {},
                       true, false, std::chrono::milliseconds(120000), plan_time_sync});
}

}  // namespace elfdesk::remedies
