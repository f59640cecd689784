// Services and administrator actions where systemd or polkit is absent (this machine, or fixture paths):
// the clear "not available" and "needs administrator" answers, never a question nobody can act on.
#include <doctest/doctest.h>

#include "common/remedies/remedy_runner.hpp"
#include "tests/remedies/remedy_test_util.hpp"

using namespace elfdesk::remedies;
using elfdesk::remedies::test::TempHome;
using elfdesk::remedies::test::answer_with;

namespace {

struct Result {
  Outcome outcome;
  std::string summary;
  bool asked;
};

Result run(const RemedyContext& context, RemedyCall call) {
  RemedyRunner runner(builtin_catalogue(), context, nullptr);
  bool asked = false;
  auto report = runner.run(call, [&](const std::string&) {
    asked = true;
    return Answer::deny;  // nothing may run here
  });
  REQUIRE(report.has_value());
  return {report->outcome, report->summary, asked};
}

}  // namespace

TEST_CASE("without systemd the journal, system unit and time sync remedies are not available") {
  TempHome home;
  RemedyContext c = home.context();
  c.systemd_marker = home.root / "no-systemd-here";
  for (const RemedyCall& call : {RemedyCall{"vacuum_journal", {{{"max_mib", "100"}}}, false},
                                 RemedyCall{"restart_system_unit", {{{"unit", "cups.service"}}}, false},
                                 RemedyCall{"enable_time_sync", {}, false}}) {
    CAPTURE(call.name);
    const Result r = run(c, call);
    CHECK(r.outcome == Outcome::not_available);
    CHECK(r.summary.find("does not run systemd") != std::string::npos);
    CHECK_FALSE(r.asked);
  }
}

TEST_CASE("with systemd but without polkit the administrator actions need an administrator") {
  TempHome home;
  RemedyContext c = home.context();
  std::filesystem::create_directories(home.root / "systemd");
  c.systemd_marker = home.root / "systemd";
  c.pkexec = home.root / "no-pkexec";
  const Result vacuum = run(c, {"vacuum_journal", {{{"max_mib", "100"}}}, false});
  CHECK(vacuum.outcome == Outcome::needs_administrator);
  CHECK(vacuum.summary.find("an administrator can run: /usr/bin/journalctl --vacuum-size=100M") != std::string::npos);
  CHECK_FALSE(vacuum.asked);
  const Result unit = run(c, {"restart_system_unit", {{{"unit", "cups.service"}}}, false});
  CHECK(unit.outcome == Outcome::needs_administrator);
  CHECK(unit.summary.find("systemctl restart -- cups.service") != std::string::npos);
}

TEST_CASE("the package cache: needs an administrator where polkit is missing, not available without a manager") {
  TempHome home;
  RemedyContext c = home.context();
  c.pkexec = home.root / "no-pkexec";
  const Result no_manager = [&] {
    RemedyContext empty = c;
    empty.bin_dir = home.root;  // no apt-get, dnf or zypper here
    return run(empty, {"clean_package_cache", {}, false});
  }();
  CHECK(no_manager.outcome == Outcome::not_available);
  test::write_file(home.root / "bin" / "apt-get", 10);
  std::filesystem::permissions(home.root / "bin" / "apt-get", std::filesystem::perms::owner_all);
  c.bin_dir = home.root / "bin";
  const Result apt = run(c, {"clean_package_cache", {}, false});
  CHECK(apt.outcome == Outcome::needs_administrator);
  CHECK(apt.summary.find("apt-get clean") != std::string::npos);
  CHECK_FALSE(apt.asked);
}

TEST_CASE("on this machine: the real answers of every administrator action and the user unit") {
  // The test machine has neither systemd as PID 1 nor a polkit agent; the answers must say so, not fail.
  const RemedyContext live = RemedyContext::from_environment();
  for (const char* name : {"vacuum_journal", "clean_package_cache", "enable_time_sync"}) {
    CAPTURE(name);
    const Result r = run(live, {name, {}, false});
    CHECK((r.outcome == Outcome::not_available || r.outcome == Outcome::needs_administrator ||
           (r.outcome == Outcome::declined && r.asked)));
  }
  TempHome home;  // no systemd user manager under this runtime dir
  const Result user = run(home.context(), {"restart_user_unit", {{{"unit", "backup.service"}}}, false});
  CHECK(user.outcome == Outcome::not_available);
  CHECK(user.summary.find("no systemd user manager") != std::string::npos);
}
