// The disk threshold on a real filesystem: a 4 MiB tmpfs filled past 97% must be critical and
// ranked first by triage. Mounted in a private mount namespace so other processes never see it.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/mount.h>

#include <fstream>

#include "tests/probes/probe_test_util.hpp"

namespace elfdesk::probes {

TEST_CASE("threshold: a tmpfs filled past 97% is critical and triage ranks it first") {
  // Private namespace first (falls back to the shared one if unshare is not permitted).
  if (unshare(CLONE_NEWNS) == 0) mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  auto dir = test::temp_dir();
  if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m") != 0) {
    std::filesystem::remove_all(dir);
    FAIL("cannot mount a tmpfs here (not root?); the fixture test covers thresholds with injected statvfs");
  }
  struct Unmount {
    std::string dir;
    ~Unmount() {
      umount2(dir.c_str(), MNT_DETACH);
      std::filesystem::remove_all(dir);
    }
  } unmount{dir};
  {
    std::ofstream fill(dir + "/fill", std::ios::binary);
    std::string page(4096, 'x');
    for (int i = 0; i < 1000; ++i) fill << page;  // 1000 of 1024 pages: 97.7% used
  }
  auto disk = test::run_probe(ProbeContext{}, "disk");
  const Finding* f = test::find_finding(disk, "space:" + dir);
  REQUIRE_MESSAGE(f != nullptr, nlohmann::json(disk).dump(2));
  CHECK(f->severity == Severity::critical);
  CHECK(f->reason.rfind(dir + " has 2.3% free", 0) == 0);
  auto df = test::run_tool("df --output=pcent " + dir + " | tail -1");
  CHECK(df.find("98%") != std::string::npos);

  auto triage = test::run_probe(ProbeContext{}, "triage", {{{"skip", "display"}}});
  INFO(format_report_text(triage));
  REQUIRE_FALSE(triage.findings.empty());
  CHECK(triage.findings[0].severity == Severity::critical);
  bool seen = false;
  for (const auto& finding : triage.findings) {
    if (finding.check == "space:" + dir) {
      seen = true;
      break;
    }
    CHECK(finding.severity == Severity::critical);  // only other criticals may come before it
  }
  CHECK(seen);
  CHECK(triage.data["summary"]["exit_code"] == 2);
}

}  // namespace elfdesk::probes
