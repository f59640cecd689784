// The customer's files: a real Trash and real cache folders under a temporary home; what is asked, what is
// deleted, what is left alone (denied, dry run, links), and before -> after measured by the disk probe.
#include <doctest/doctest.h>

#include <unistd.h>

#include "common/remedies/remedy_runner.hpp"
#include "tests/remedies/remedy_test_util.hpp"

using namespace elfdesk::remedies;
using elfdesk::remedies::test::TempHome;
using elfdesk::remedies::test::answer_with;
using elfdesk::remedies::test::write_file;
namespace fs = std::filesystem;

namespace {

// A Trash as file managers leave it: files/ with the deleted items, info/ with one .trashinfo each.
void fill_trash(const fs::path& trash, int files, std::size_t bytes_each) {
  for (int i = 0; i < files; ++i) {
    write_file(trash / "files" / ("doc" + std::to_string(i) + ".txt"), bytes_each);
    write_file(trash / "info" / ("doc" + std::to_string(i) + ".txt.trashinfo"), 60);
  }
  write_file(trash / "files" / "folder" / "inner.bin", bytes_each);
}

std::size_t count_entries(const fs::path& dir) {
  std::error_code ec;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir, ec), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("empty_trash: asks with the exact size and count, deletes only the Trash, reports before -> after") {
  TempHome home;
  const fs::path trash = home.root / ".local/share/Trash";
  fill_trash(trash, 12, 64 * 1024);
  write_file(home.root / "Documents" / "keep.txt", 1000);
  const fs::path outside = home.root / "outside";
  write_file(outside / "precious.txt", 5000);
  fs::create_symlink(outside, trash / "files" / "link-to-outside");  // a link in the Trash: only the link goes

  const elfdesk::probes::ProbeRunner probes;
  RemedyRunner runner(builtin_catalogue(), home.context(), &probes);
  std::string asked;
  auto report = runner.run({"empty_trash", {}, false}, answer_with(Answer::allow, &asked));
  REQUIRE(report.has_value());
  INFO(report->summary);
  CHECK(report->outcome == Outcome::done);
  CHECK(asked.starts_with("delete "));
  CHECK(asked.find("in your Trash (14 files)") != std::string::npos);  // 12 + inner.bin + the link
  CHECK(report->question == asked);
  CHECK(report->consent == "asked: allowed");
  CHECK(count_entries(trash / "files") == 0);
  CHECK(count_entries(trash / "info") == 0);
  CHECK(fs::exists(home.root / "Documents" / "keep.txt"));
  CHECK(fs::exists(outside / "precious.txt"));
  CHECK(report->touched.files == 14);
  CHECK(report->touched.bytes >= 13u * 64 * 1024);
  REQUIRE(report->effects.size() == 1);
  CHECK(report->effects[0].probe == "disk");
  CHECK(report->effects[0].before.has_value());
  CHECK(report->effects[0].after.has_value());
  CHECK(report->effects[0].text.find(" -> ") != std::string::npos);

  // Again: nothing left, nothing asked.
  asked.clear();
  auto again = runner.run({"empty_trash", {}, false}, answer_with(Answer::allow, &asked));
  REQUIRE(again.has_value());
  CHECK(again->outcome == Outcome::done);
  CHECK(again->summary == "your Trash is already empty");
  CHECK(asked.empty());
}

TEST_CASE("empty_trash: a denial, a timeout and a dry run change nothing") {
  TempHome home;
  const fs::path trash = home.root / ".local/share/Trash";
  fill_trash(trash, 3, 4096);
  RemedyRunner runner(builtin_catalogue(), home.context(), nullptr);
  for (Answer answer : {Answer::deny, Answer::timed_out, Answer::no_way_to_ask}) {
    auto report = runner.run({"empty_trash", {}, false}, answer_with(answer));
    REQUIRE(report.has_value());
    CHECK(report->outcome == Outcome::declined);
    CHECK(count_entries(trash / "files") == 4);
  }
  bool asked = false;
  auto dry = runner.run({"empty_trash", {}, true}, [&](const std::string&) {
    asked = true;
    return Answer::allow;
  });
  REQUIRE(dry.has_value());
  CHECK(dry->outcome == Outcome::dry_run);
  CHECK_FALSE(asked);
  CHECK(dry->summary.starts_with("would delete "));
  CHECK(dry->touched.files == 4);
  CHECK(count_entries(trash / "files") == 4);
}

TEST_CASE("clear_cache: only folders above the threshold, never what a link points to") {
  TempHome home;
  const fs::path cache = home.root / ".cache";
  write_file(cache / "browser" / "a.bin", 3 * 1024 * 1024);
  write_file(cache / "browser" / "sub" / "b.bin", 1024 * 1024);
  write_file(cache / "thumbnails" / "t.png", 200 * 1024);
  write_file(home.root / "big-elsewhere" / "c.bin", 3 * 1024 * 1024);
  fs::create_symlink(home.root / "big-elsewhere", cache / "linked");
  RemedyRunner runner(builtin_catalogue(), home.context(), nullptr);
  std::string asked;
  auto report = runner.run({"clear_cache", {{{"min_mib", "2"}}}, false}, answer_with(Answer::pre_approved, &asked));
  REQUIRE(report.has_value());
  INFO(report->summary);
  CHECK(report->outcome == Outcome::done);
  CHECK(asked.starts_with("delete 1 cache folder over 2 MiB ("));
  CHECK(asked.ends_with(": browser)"));
  CHECK(report->consent == "pre-approved (--consent accept)");
  CHECK_FALSE(fs::exists(cache / "browser"));
  CHECK(fs::exists(cache / "thumbnails" / "t.png"));
  CHECK(fs::exists(home.root / "big-elsewhere" / "c.bin"));
  CHECK(report->touched.files == 2);
  CHECK(report->touched.bytes >= 4u * 1024 * 1024);

  auto nothing = runner.run({"clear_cache", {{{"min_mib", "50"}}}, false}, answer_with(Answer::allow));
  REQUIRE(nothing.has_value());
  CHECK(nothing->summary == "no cache folder in ~/.cache is larger than 50 MiB");
}

TEST_CASE("largest_dirs: sorted by size, read-only, never asked") {
  TempHome home;
  write_file(home.root / "small" / "f", 10 * 1024);
  write_file(home.root / "big" / "deep" / "f", 900 * 1024);
  write_file(home.root / "middle" / "f", 300 * 1024);
  RemedyRunner runner(builtin_catalogue(), home.context(), nullptr);
  bool asked = false;
  auto report = runner.run({"largest_dirs", {{{"path", home.root.string()}, {"top", "2"}}}, false},
                           [&](const std::string&) {
                             asked = true;
                             return Answer::allow;
                           });
  REQUIRE(report.has_value());
  CHECK_FALSE(asked);
  CHECK(report->outcome == Outcome::done);
  const auto& dirs = report->details["directories"];
  REQUIRE(dirs.size() == 2);
  CHECK(dirs[0]["path"] == (home.root / "big").string());
  CHECK(dirs[1]["path"] == (home.root / "middle").string());
  CHECK(report->summary.starts_with("largest under " + home.root.string() + ": " + (home.root / "big").string()));
  CHECK(fs::exists(home.root / "small" / "f"));

  auto missing = runner.run({"largest_dirs", {{{"path", (home.root / "nope").string()}}}, false}, nullptr);
  REQUIRE(missing.has_value());
  CHECK(missing->outcome == Outcome::failed);
  CHECK(missing->summary.ends_with("is not a directory"));
}
