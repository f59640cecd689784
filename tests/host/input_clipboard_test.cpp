// X11Clipboard against a real Xvfb and a real foreign X client (xclip): serving our text, noticing and
// fetching text other applications copy, and the size cap.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include <poll.h>

#include "host/input/x11_clipboard.hpp"
#include "protocol/limits.hpp"
#include "tests/support/xvfb.hpp"

using elfdesk::host::X11Clipboard;

namespace {

std::unique_ptr<X11Clipboard> open_clipboard(const std::string& display) {
  auto clip = X11Clipboard::open(display);
  REQUIRE(clip.has_value());
  return std::move(*clip);
}

// Starts `command` on `display` in the background; the future holds its output once it exits.
std::future<std::string> start_command(const std::string& display, const std::string& command) {
  return std::async(std::launch::async, [line = "DISPLAY=" + display + " " + command] {
    std::string out;
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) return out;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
  });
}

// Runs a command while the clipboard keeps serving requests (xclip -o waits for our answer).
std::string run_while_serving(X11Clipboard& clip, const std::string& display, const std::string& command) {
  auto output = start_command(display, command);
  while (output.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) REQUIRE(clip.process(std::chrono::milliseconds(10)));
  return output.get();
}

// Copies `text` with xclip from outside (xclip stays in the background serving until it loses ownership).
void xclip_copy(const std::string& display, const std::string& text, const std::string& dir) {
  const std::string file = dir + "/clip.txt";
  std::ofstream(file, std::ios::binary) << text;
  REQUIRE(elfdesk::test::run_on_display(display, "xclip -i -selection clipboard " + file + " >/dev/null 2>&1") == 0);
}

std::optional<std::string> wait_local_text(X11Clipboard& clip, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(clip.process(std::chrono::milliseconds(20)));
    if (auto text = clip.take_local_text()) return text;
  }
  return std::nullopt;
}

std::string temp_dir() {
  char pattern[] = "/tmp/elfdesk-clip-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  return pattern;
}

}  // namespace

TEST_CASE("set_text is served to other X clients as UTF8_STRING, STRING and TARGETS") {
  elfdesk::test::XvfbServer xvfb(320, 240);
  auto clip = open_clipboard(xvfb.display());
  const std::string text = "Grüße aus elfdesk € ✓\nline two";
  REQUIRE(clip->set_text(text));
  CHECK(run_while_serving(*clip, xvfb.display(), "xclip -o -selection clipboard") == text);
  CHECK(run_while_serving(*clip, xvfb.display(), "xclip -o -selection clipboard -t UTF8_STRING") == text);
  const std::string targets = run_while_serving(*clip, xvfb.display(), "xclip -o -selection clipboard -t TARGETS");
  CHECK(targets.find("UTF8_STRING") != std::string::npos);
  CHECK(targets.find("STRING") != std::string::npos);
  // STRING is Latin-1: ü survives, characters outside Latin-1 become '?'.
  CHECK(run_while_serving(*clip, xvfb.display(), "xclip -o -selection clipboard -t STRING | iconv -f latin1 -t utf-8") ==
        "Grüße aus elfdesk ? ?\nline two");
  // Our own ownership is not reported as a local copy.
  CHECK_FALSE(clip->take_local_text().has_value());
}

TEST_CASE("text copied by another application is detected and fetched") {
  elfdesk::test::XvfbServer xvfb(320, 240);
  auto clip = open_clipboard(xvfb.display());
  const std::string dir = temp_dir();
  xclip_copy(xvfb.display(), "copied elsewhere: ñ 漢字", dir);
  CHECK(wait_local_text(*clip) == "copied elsewhere: ñ 漢字");

  SUBCASE("a later copy replaces it, and set_text takes the clipboard back") {
    xclip_copy(xvfb.display(), "second", dir);
    CHECK(wait_local_text(*clip) == "second");
    REQUIRE(clip->set_text("from the engineer"));
    CHECK(run_while_serving(*clip, xvfb.display(), "xclip -o -selection clipboard") == "from the engineer");
  }
  SUBCASE("large text arrives complete") {
    std::string big;
    while (big.size() < 600 * 1024) big += "0123456789abcdef-äöü\n";
    xclip_copy(xvfb.display(), big, dir);
    const auto got = wait_local_text(*clip);
    REQUIRE(got.has_value());
    CHECK(got->size() == big.size());
    CHECK(*got == big);
  }
  SUBCASE("text over the limit is dropped, not truncated") {
    const std::string huge(elfdesk::limits::kMaxClipboardBytes + 4096, 'x');
    xclip_copy(xvfb.display(), huge, dir);
    CHECK_FALSE(wait_local_text(*clip, std::chrono::seconds(2)).has_value());
    CHECK(clip->dropped_count() == 1);
    xclip_copy(xvfb.display(), "small again", dir);  // and the next copy still works
    CHECK(wait_local_text(*clip) == "small again");
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("set_text refuses oversized and invalid text") {
  elfdesk::test::XvfbServer xvfb(320, 240);
  auto clip = open_clipboard(xvfb.display());
  const auto too_big = clip->set_text(std::string(elfdesk::limits::kMaxClipboardBytes + 1, 'a'));
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().code == elfdesk::ErrorCode::invalid_argument);
  CHECK_FALSE(clip->set_text(std::string("bad \xff utf8")).has_value());
}

// The host only calls process() when the X connection's fd becomes readable (an asio watch). set_text talks
// to the server (a timestamp, the owner check) and so reads whatever else is on the socket into Xlib's
// queue, where the fd no longer shows it: a request for our text that arrived meanwhile waited until some
// other event came (an xclip read unanswered for 5 s in CI). Here the request is made to arrive first.
TEST_CASE("a request that arrives while set_text talks to the server is answered without another event") {
  elfdesk::test::XvfbServer xvfb(320, 240);
  auto clip = open_clipboard(xvfb.display());
  REQUIRE(clip->set_text("first"));
  auto output = start_command(xvfb.display(), "xclip -o -selection clipboard");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // xclip's request is on our socket by now
  REQUIRE(clip->set_text("second"));
  // As the host does: process only when the fd says there is something.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (output.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{clip->fd(), POLLIN, 0};
    if (poll(&pfd, 1, 50) > 0) REQUIRE(clip->process());
  }
  const bool answered = output.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready;
  CHECK(answered);
  // Either way, let xclip finish.
  while (output.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) REQUIRE(clip->process(std::chrono::milliseconds(10)));
  CHECK(output.get() == "second");
}
