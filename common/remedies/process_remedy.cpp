// terminate_process: TERM, then KILL after a grace period, for a process of the customer's own user only.
// The process is held by a pidfd from the moment it is looked at, so the signal can never reach another
// process that got the same number while the customer was reading the question.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
// glibc 2.36's <sys/pidfd.h> forgets __BEGIN_DECLS: without extern "C" its functions get C++ names.
extern "C" {
#include <sys/pidfd.h>
}
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/probes/probe_util.hpp"
#include "common/remedies/families.hpp"
#include "common/remedies/remedy_util.hpp"

namespace elfdesk::remedies {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Owner {
  std::string name;
  long uid = -1;  // real uid
};

std::optional<Owner> read_owner(const RemedyContext& ctx, pid_t pid) {
  auto status = probes::util::read_text(ctx.proc / std::to_string(pid) / "status");
  if (!status) return std::nullopt;
  Owner owner;
  for (std::string_view line : probes::util::lines(*status)) {
    if (line.starts_with("Name:")) owner.name = std::string(probes::util::trim(line.substr(5)));
    if (line.starts_with("Uid:")) {
      const auto fields = probes::util::split_ws(line.substr(4));
      if (!fields.empty()) owner.uid = probes::util::parse_number<long>(fields[0]).value_or(-1);
    }
  }
  return owner;
}

// True when the process behind `pidfd` ended within `wait` (the pidfd becomes readable when it exits).
// Waits in slices, so a session that ends (the context expires) is not held for a whole grace period.
bool exited_within(int pidfd, std::chrono::milliseconds wait, const RemedyContext& ctx) {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    pollfd p{pidfd, POLLIN, 0};
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::clamp<long long>(left.count(), 0, 100))) > 0) return true;
    if (left.count() <= 0 || ctx.expired()) return false;
  }
}

Applied stop(const std::shared_ptr<Fd>& pidfd, pid_t pid, const std::string& name, std::chrono::milliseconds grace,
             const RemedyContext& ctx) {
  Applied out;
  nlohmann::json record{{"pid", pid}, {"name", name}, {"signal", "TERM"}, {"exited", false}};
  if (::pidfd_send_signal(pidfd->fd, SIGTERM, nullptr, 0) != 0) {
    out.outcome = Outcome::failed;
    out.summary = fmt::format("could not stop process {} ({}): {}", pid, name, std::strerror(errno));
    return out;
  }
  bool exited = exited_within(pidfd->fd, grace, ctx);
  if (!exited) {  // it ignored TERM for the whole grace period
    record["signal"] = "KILL";
    ::pidfd_send_signal(pidfd->fd, SIGKILL, nullptr, 0);
    exited = exited_within(pidfd->fd, std::chrono::milliseconds(3000), ctx);
  }
  record["exited"] = exited;
  out.touched.processes.push_back(record);
  out.outcome = exited ? Outcome::done : Outcome::failed;
  out.summary = exited ? fmt::format("stopped {} (process {}) with {}", name, pid, record["signal"].get<std::string>())
                       : fmt::format("{} (process {}) did not end even after KILL", name, pid);
  return out;
}

std::expected<RemedyPlan, Error> plan_terminate(const RemedyContext& ctx, const probes::ProbeArgs& args) {
  const auto pid = static_cast<pid_t>(args.get_int("pid", 0));
  const auto grace = std::chrono::milliseconds(args.get_int("grace_ms", 5000));
  RemedyPlan plan;
  plan.outcome = Outcome::failed;
  if (pid == ctx.self || pid == 1) {
    plan.summary = pid == 1 ? "process 1 is the system's init: elfdesk never stops it"
                            : "that is elfdesk-host itself: end the session instead";
    return plan;
  }
  auto pidfd = std::make_shared<Fd>(::pidfd_open(pid, 0));
  const auto owner = read_owner(ctx, pid);  // after the pidfd: the number cannot be reused under us now
  if (pidfd->fd < 0 || !owner) {
    plan.summary = fmt::format("there is no process {}", pid);
    return plan;
  }
  plan.details = {{"pid", pid}, {"name", owner->name}, {"uid", owner->uid}, {"grace_ms", grace.count()}};
  if (owner->uid != static_cast<long>(ctx.uid)) {
    plan.summary = fmt::format("process {} ({}) belongs to another user (uid {}); elfdesk only stops the customer's "
                               "own processes (uid {})", pid, owner->name, owner->uid, ctx.uid);
    return plan;
  }
  plan.outcome = Outcome::done;
  plan.touched.processes.push_back({{"pid", pid}, {"name", owner->name}});
  plan.question = fmt::format("stop \"{}\" (process {}); unsaved work in it is lost", owner->name, pid);
  plan.effects.push_back(util::cpu_effect());
  plan.apply = [pidfd, pid, name = owner->name, grace](const RemedyContext& c) { return stop(pidfd, pid, name, grace, c); };
  return plan;
}

}  // namespace

void add_process_remedies(RemedyCatalogue& catalogue) {
  using probes::ArgType;
  (void)catalogue.add({"terminate_process",
                       "stop a process of the customer's own user: TERM, then KILL after grace_ms",
                       {{"pid", ArgType::integer, "process id (required)", 1, 4194304, {}},
                        {"grace_ms", ArgType::integer, "wait this long after TERM before KILL (default 5000)", 100,
                         30000, {}}},
                       false, false, std::chrono::milliseconds(40000), plan_terminate, {"pid"}});
}

}  // namespace elfdesk::remedies
