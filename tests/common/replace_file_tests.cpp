// replace_file on real files: a reader racing the writer sees the old file or the new one, whole; the
// file is the user's alone; a failed replace leaves the old file and no temporary behind.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/replace_file.hpp"

using namespace elfdesk;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("elfdesk-replace-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {})); }
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("replace_file: a reader racing the writer only ever sees a whole file") {
  TempDir dir;
  const fs::path file = dir.path / "report.json";
  constexpr std::size_t kSize = 1 << 20;  // several write() calls' worth, so a torn file would show
  REQUIRE(replace_file(file, std::string(kSize, 'a')));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 60; ++i) REQUIRE(replace_file(file, std::string(kSize, i % 2 ? 'a' : 'b')));
    done = true;
  });
  int reads = 0, torn = 0;
  while (!done) {
    const std::string seen = read(file);
    ++reads;
    const bool whole = seen.size() == kSize && seen.find_first_not_of(seen.front()) == std::string::npos;
    if (!whole) ++torn;
  }
  writer.join();
  CHECK(reads > 0);
  CHECK(torn == 0);
  CHECK(dir.entries() == 1);  // no temporaries left beside it
}

TEST_CASE("replace_file: the file is the user's alone, also when it replaces a readable one") {
  TempDir dir;
  const fs::path file = dir.path / "code";
  std::ofstream(file) << "old\n";
  ::chmod(file.c_str(), 0644);
  REQUIRE(replace_file(file, "123-456\n"));
  CHECK(read(file) == "123-456\n");
  struct stat st{};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("replace_file: a failure says which file and why, and leaves the old one and no temporary") {
  TempDir dir;
  SUBCASE("a directory that does not exist") {
    const auto result = replace_file(dir.path / "missing" / "state.json", "{}");
    REQUIRE_FALSE(result);
    CHECK(result.error().code == ErrorCode::io);
    CHECK(result.error().detail.find("missing") != std::string::npos);
    CHECK(result.error().detail.find("No such file") != std::string::npos);
  }
  SUBCASE("the name is taken by a directory: the rename fails after the write") {
    fs::create_directories(dir.path / "taken" / "inside");
    const auto result = replace_file(dir.path / "taken", "{}");
    REQUIRE_FALSE(result);
    CHECK(result.error().detail.find("cannot replace") != std::string::npos);
    CHECK(fs::is_directory(dir.path / "taken" / "inside"));
    CHECK(dir.entries() == 1);
  }
}
