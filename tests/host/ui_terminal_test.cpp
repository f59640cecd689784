#include <doctest/doctest.h>
#include <unistd.h>

#include <future>
#include <sstream>
#include <thread>

#include "host/ui/terminal_consent_ui.hpp"
#include "protocol/messages.hpp"

using namespace elfdesk::host;
namespace perm = elfdesk::protocol::permission;
using namespace std::chrono_literals;

namespace {

// The customer's keyboard: a real pipe the UI's reader thread blocks on, like a terminal.
struct PipeInput {
  int fds[2] = {-1, -1};
  PipeInput() { REQUIRE(pipe(fds) == 0); }
  int read_end() const { return fds[0]; }
  void type(const std::string& text) const { REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size())); }
  void close_input() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
  ~PipeInput() {
    close_input();
    close(fds[0]);
  }
};

template <class T>
T get_within(std::future<T>& f, std::chrono::milliseconds limit) {
  REQUIRE(f.wait_for(limit) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("terminal UI: typed-ahead input never answers; a later 'yes' allows, on the run() thread") {
  PipeInput input;
  std::ostringstream out;
  auto ui = make_terminal_consent_ui(input.read_end(), out);
  std::promise<void> seen_quit;
  ui->set_on_quit([&] { seen_quit.set_value(); });
  std::thread::id run_thread;
  std::thread loop([&] {
    run_thread = std::this_thread::get_id();
    ui->run();
  });
  ui->show_code("482-193-775", 300s);
  input.type("y\nquit\n");  // "y" before any question; "quit" proves it was processed
  auto quit_seen = seen_quit.get_future();
  get_within(quit_seen, 5s);

  std::promise<std::pair<ConsentAnswer, std::thread::id>> answer;
  ui->ask({"Alice\x1b[31m", "203.0.113.7:5000", perm::kView | perm::kControl},
          [&](ConsentAnswer a) { answer.set_value({a, std::this_thread::get_id()}); });
  input.type("Yes\n");
  auto answered = answer.get_future();
  const auto [value, thread] = get_within(answered, 5s);
  CHECK(value == ConsentAnswer::allow);
  input.close_input();
  ui->quit();
  loop.join();
  CHECK(thread == run_thread);
  const std::string text = out.str();
  CHECK(text.find("482-193-775") != std::string::npos);
  CHECK(text.find("(valid for 5:00)") != std::string::npos);
  CHECK(text.find("Alice [31m (from 203.0.113.7:5000) wants to view your screen and control your keyboard and mouse.\nAllow? [y/N] ") !=
        std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);  // the engineer's name cannot drive the terminal
  CHECK(text.find("Allowed.") != std::string::npos);
}

TEST_CASE("terminal UI: anything but yes denies; end of input denies; 'end' ends a session") {
  PipeInput input;
  std::ostringstream out;
  auto ui = make_terminal_consent_ui(input.read_end(), out);
  std::promise<void> ended;
  ui->set_on_end_session([&] { ended.set_value(); });
  std::thread loop([&] { ui->run(); });

  std::promise<ConsentAnswer> first;
  ui->ask({"Bob", "10.0.0.1:1", perm::kView}, [&](ConsentAnswer a) { first.set_value(a); });
  input.type("sure\n");
  auto first_answer = first.get_future();
  CHECK(get_within(first_answer, 5s) == ConsentAnswer::deny);

  ui->show_session({"Bob", "10.0.0.1:1", 1});
  input.type("end\n");
  auto end_seen = ended.get_future();
  get_within(end_seen, 5s);

  std::promise<ConsentAnswer> second;
  ui->ask({"Bob", "10.0.0.1:1", perm::kView}, [&](ConsentAnswer a) { second.set_value(a); });
  input.close_input();
  auto second_answer = second.get_future();
  CHECK(get_within(second_answer, 5s) == ConsentAnswer::deny);
  ui->quit();
  loop.join();
  ui.reset();
  CHECK(out.str().find("wants to view your screen.\n") != std::string::npos);
  CHECK(out.str().find("Session active: Bob from 10.0.0.1:1 can view your screen\n") != std::string::npos);
}

TEST_CASE("terminal UI: a cancelled question is never answered") {
  PipeInput input;
  std::ostringstream out;
  auto ui = make_terminal_consent_ui(input.read_end(), out);
  std::promise<void> seen_quit;
  ui->set_on_quit([&] { seen_quit.set_value(); });
  std::thread loop([&] { ui->run(); });
  bool called = false;
  ui->ask({"Carol", "10.0.0.2:2", perm::kView | perm::kControl}, [&](ConsentAnswer) { called = true; });
  ui->cancel_question();
  std::promise<ConsentAnswer> later;
  input.type("y\nquit\n");  // "quit" marks that the stray "y" has been read and dropped
  auto quit_seen = seen_quit.get_future();
  get_within(quit_seen, 5s);
  ui->ask({"Dave", "10.0.0.3:3", perm::kView | perm::kControl}, [&](ConsentAnswer a) { later.set_value(a); });
  input.close_input();  // end of input: Dave's question is denied, proving the reader reached the end
  auto later_answer = later.get_future();
  CHECK(get_within(later_answer, 5s) == ConsentAnswer::deny);
  ui->quit();
  loop.join();
  CHECK_FALSE(called);
  CHECK(out.str().find("(question withdrawn)") != std::string::npos);
}

TEST_CASE("terminal UI: destroying it while the input stays open ends its reader thread") {
  PipeInput input;  // open, silent: the reader waits in poll(), as on an idle terminal
  std::ostringstream out;
  auto ui = make_terminal_consent_ui(input.read_end(), out);
  ui->show_code("111-222-333", 60s);
  auto destroyed = std::async(std::launch::async, [&] { ui.reset(); });
  REQUIRE(destroyed.wait_for(5s) == std::future_status::ready);
  // Nothing reads the pipe any more; the test's input may go away without any thread left using it.
  input.type("y\n");
  CHECK(out.str().find("111-222-333") != std::string::npos);
}
