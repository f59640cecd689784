// The screenshot file is created without following links: a symlink planted where the PNG goes (for
// example in a shared directory) is refused and its target left alone; a FIFO or directory is refused.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/media/png_io.hpp"

using namespace elfdesk;

TEST_CASE("write_png refuses a planted symlink and anything but a regular file") {
  char tmpl[] = "/tmp/elfdesk-png-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  const BgraImage image = BgraImage::make(4, 3);
  const auto victim = dir / "victim";
  std::ofstream(victim) << "precious";
  std::filesystem::create_symlink(victim, dir / "shot.png");
  auto via_link = media::write_png(image, (dir / "shot.png").string());
  REQUIRE_FALSE(via_link);
  CHECK(via_link.error().detail.find("symbolic link") != std::string::npos);
  std::ifstream in(victim);
  std::string content;
  std::getline(in, content);
  CHECK(content == "precious");

  REQUIRE(::mkfifo((dir / "fifo.png").c_str(), 0600) == 0);
  CHECK_FALSE(media::write_png(image, (dir / "fifo.png").string()));
  std::filesystem::create_directory(dir / "dir.png");
  CHECK_FALSE(media::write_png(image, (dir / "dir.png").string()));

  // A regular file is written (and an existing longer one replaced, not left with a stale tail).
  const auto real = dir / "real.png";
  std::ofstream(real) << std::string(100000, 'x');
  REQUIRE(media::write_png(image, real.string()));
  auto back = media::read_png(real.string());
  REQUIRE(back);
  CHECK(back->width == 4);
  std::filesystem::remove_all(dir);
}
