// terminate_process against real processes: a busy child of the test's own user is stopped (TERM, or KILL
// when it ignores TERM), another user's process and elfdesk itself are refused.
#include <doctest/doctest.h>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>

#include "common/remedies/remedy_runner.hpp"
#include "tests/remedies/remedy_test_util.hpp"

using namespace elfdesk::remedies;
using elfdesk::remedies::test::answer_with;

namespace {

// A child that spins (a busy process); with `ignore_term` it survives TERM. Reaped by the destructor.
struct BusyChild {
  pid_t pid = -1;
  explicit BusyChild(bool ignore_term, uid_t as_user = static_cast<uid_t>(-1)) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid = ::fork();
    if (pid == 0) {
      // The test framework's handlers are inherited: TERM must act as for any program (or be ignored).
      ::signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
      if (as_user != static_cast<uid_t>(-1) && (::setgid(as_user) != 0 || ::setuid(as_user) != 0)) ::_exit(3);
      const char byte = 1;
      if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
      for (;;) ::sched_yield();  // a spinning process (yields so the test machine stays responsive)
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);  // set up (signals, user) before anyone signals it
    ::close(ready[0]);
  }
  ~BusyChild() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  // How the child ended once it has (reaps it), or -1 while it runs.
  int end_signal() {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    pid = -1;
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
};

RemedyCall stop(pid_t pid, int grace_ms = 3000) {
  return {"terminate_process", {{{"pid", std::to_string(pid)}, {"grace_ms", std::to_string(grace_ms)}}}, false};
}

}  // namespace

TEST_CASE("terminate_process: a busy process of the customer's user ends with TERM") {
  BusyChild child(false);
  RemedyRunner runner(builtin_catalogue(), RemedyContext::from_environment(), nullptr);
  std::string asked;
  auto report = runner.run(stop(child.pid), answer_with(Answer::allow, &asked));
  REQUIRE(report.has_value());
  INFO(report->summary);
  CHECK(report->outcome == Outcome::done);
  CHECK(asked.find("(process " + std::to_string(child.pid) + ")") != std::string::npos);
  REQUIRE(report->touched.processes.size() == 1);
  CHECK(report->touched.processes[0]["pid"] == child.pid);
  CHECK(report->touched.processes[0]["signal"] == "TERM");
  CHECK(report->touched.processes[0]["exited"] == true);
  CHECK(child.end_signal() == SIGTERM);
}

TEST_CASE("terminate_process: a process that ignores TERM gets KILL after the grace period") {
  BusyChild child(true);
  RemedyRunner runner(builtin_catalogue(), RemedyContext::from_environment(), nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto report = runner.run(stop(child.pid, 300), answer_with(Answer::pre_approved));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(report.has_value());
  CHECK(report->outcome == Outcome::done);
  CHECK(report->touched.processes[0]["signal"] == "KILL");
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(child.end_signal() == SIGKILL);
}

TEST_CASE("terminate_process: denied, dry run, another user's process, elfdesk itself, no such process") {
  BusyChild child(false);
  RemedyRunner runner(builtin_catalogue(), RemedyContext::from_environment(), nullptr);
  auto denied = runner.run(stop(child.pid), answer_with(Answer::deny));
  REQUIRE(denied.has_value());
  CHECK(denied->outcome == Outcome::declined);
  auto dry = runner.run({"terminate_process", {{{"pid", std::to_string(child.pid)}}}, true}, answer_with(Answer::allow));
  REQUIRE(dry.has_value());
  CHECK(dry->outcome == Outcome::dry_run);
  CHECK(::kill(child.pid, 0) == 0);  // still running

  auto self = runner.run(stop(::getpid()), answer_with(Answer::allow));
  REQUIRE(self.has_value());
  CHECK(self->outcome == Outcome::failed);
  CHECK(self->summary.find("elfdesk-host itself") != std::string::npos);
  auto none = runner.run(stop(4194303), answer_with(Answer::allow));
  REQUIRE(none.has_value());
  CHECK(none->outcome == Outcome::failed);
  CHECK(none->summary == "there is no process 4194303");

  // Another user's process: a child that became `nobody` (needs root), else pid 1 when it is not ours.
  std::optional<BusyChild> other;
  pid_t foreign = 1;
  if (::getuid() == 0) {
    other.emplace(false, 65534);
    foreign = other->pid;
    auto report = runner.run(stop(foreign), answer_with(Answer::allow));
    REQUIRE(report.has_value());
    CHECK(report->outcome == Outcome::failed);
    CHECK(report->summary.find("belongs to another user (uid 65534)") != std::string::npos);
    CHECK(::kill(foreign, 0) == 0);
  }
  auto init = runner.run(stop(1), answer_with(Answer::allow));
  REQUIRE(init.has_value());
  CHECK(init->outcome == Outcome::failed);
}
