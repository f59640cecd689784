// Helpers for the remedy tests: a temporary home with XDG directories, files of a given size, and a
// context pointing there. Test main thread only.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/remedies/remedy_runner.hpp"

namespace elfdesk::remedies::test {

// A fresh directory under $TMPDIR (or /tmp), removed when the object goes away.
struct TempHome {
  std::filesystem::path root;
  TempHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "elfdesk-remedy-XXXXXX").string();
    root = ::mkdtemp(pattern.data());
  }
  ~TempHome() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  RemedyContext context() const {
    RemedyContext c = RemedyContext::from_environment();
    c.home = root;
    c.data_home = root / ".local/share";
    c.cache_home = root / ".cache";
    c.runtime_dir = root / "run";
    return c;
  }
};

inline void write_file(const std::filesystem::path& path, std::size_t bytes, char fill = 'x') {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  const std::string block(4096, fill);
  for (std::size_t done = 0; done < bytes; done += block.size())
    out.write(block.data(), static_cast<std::streamsize>(std::min(block.size(), bytes - done)));
}

inline Ask answer_with(Answer answer, std::string* asked = nullptr) {
  return [answer, asked](const std::string& question) {
    if (asked) *asked = question;
    return answer;
  };
}

}  // namespace elfdesk::remedies::test
