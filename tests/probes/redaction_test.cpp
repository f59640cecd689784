// Command lines in probe reports never carry secrets: option values whose names look secret are
// masked in every common form; ordinary arguments are left alone.
#include <doctest/doctest.h>

#include <string>

#include "common/probes/process_table.hpp"

namespace elfdesk::probes {
namespace {

std::string argv(std::initializer_list<std::string_view> args) {  // as in /proc/PID/cmdline
  std::string out;
  for (auto a : args) {
    out += a;
    out += '\0';
  }
  return out;
}

}  // namespace

TEST_CASE("secret option values are masked in --x=v, -x=v, x=v and --x v forms") {
  CHECK(redacted_command_line(argv({"/usr/bin/app", "--db-password=hunter2", "--port=5432"})) ==
        "/usr/bin/app --db-password=*** --port=5432");
  CHECK(redacted_command_line(argv({"app", "-token=abc", "--api-key", "k-123", "--verbose", "file.txt"})) ==
        "app -token=*** --api-key *** --verbose file.txt");
  CHECK(redacted_command_line(argv({"env", "AWS_SECRET_ACCESS_KEY=xyz", "PATH=/bin", "run"})) ==
        "env AWS_SECRET_ACCESS_KEY=*** PATH=/bin run");
  CHECK(redacted_command_line(argv({"curl", "--oauth2-bearer", "t0k", "-H", "x"})) == "curl --oauth2-bearer *** -H x");
  CHECK(redacted_command_line(argv({"svc", "--Client-Secret", "s3", "--credentials-file=/etc/c"})) ==
        "svc --Client-Secret *** --credentials-file=***");
  CHECK(redacted_command_line(argv({"Xorg", ":0", "-auth", "/run/user/1000/gdm/Xauthority"})) == "Xorg :0 -auth ***");
  // A secret flag followed by another option has no value to mask.
  CHECK(redacted_command_line(argv({"app", "--ask-password", "--user", "bob"})) == "app --ask-password --user bob");
}

TEST_CASE("passwords inside URLs are masked; ordinary command lines are unchanged") {
  CHECK(redacted_command_line(argv({"psql", "postgres://bob:s3cret@db:5432/x"})) == "psql postgres://bob:***@db:5432/x");
  CHECK(redacted_command_line(argv({"git", "fetch", "https://example.org/a:b@c"})) == "git fetch https://example.org/a:b@c");
  CHECK(redacted_command_line(argv({"/usr/lib/xorg/Xorg", ":0"})) == "/usr/lib/xorg/Xorg :0");
  CHECK(redacted_command_line(argv({"gnome-keyring-daemon", "--start"})) == "gnome-keyring-daemon --start");
  CHECK(redacted_command_line("") == "");
}

}  // namespace elfdesk::probes
