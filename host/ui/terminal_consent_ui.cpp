#include "host/ui/terminal_consent_ui.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <ostream>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "host/ui/display_text.hpp"

namespace elfdesk::host {
namespace {

struct Line {
  std::uint64_t seq = 0;
  std::string text;
};

// A line longer than this (nobody types one) is cut, so a runaway input cannot grow memory.
constexpr std::size_t kMaxLine = 4096;

// Filled by the reader thread, drained by run().
struct InputQueue {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Line> lines;
  std::uint64_t lines_read = 0;
  bool eof = false;
  bool quit = false;
};

std::string lowercase_trimmed(std::string s) {
  std::erase_if(s, [](unsigned char c) { return std::isspace(c) != 0; });
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class TerminalConsentUi final : public ConsentUi {
 public:
  TerminalConsentUi(int input_fd, std::ostream& out) : out_(out) {
    // Without the wake pipe the reader could only end at end of input, and the destructor could hang.
    if (::pipe2(wake_, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "terminal consent: cannot create a pipe");
    reader_ = std::thread([this, input_fd] { read_lines(input_fd); });
  }

  ~TerminalConsentUi() override {
    // The reader waits on the input and on the wake pipe, so it always ends here: no thread outlives us.
    const char stop = 0;
    [[maybe_unused]] const auto ignored = ::write(wake_[1], &stop, 1);
    reader_.join();
    for (const int fd : wake_) ::close(fd);
  }

  void show_code(std::string formatted_code, std::chrono::seconds valid_for) override {
    if (formatted_code.empty())  // relay mode: not registered (yet, or again)
      return print("\nelfdesk \u2014 no code at the moment: connecting to the support service\n");
    print(fmt::format("\nelfdesk \u2014 remote support\nRead this code to your support engineer:\n\n"
                      "    {}\n\n(valid for {})\n",
                      sanitize_display_text(formatted_code, 32), format_countdown(valid_for)));
  }

  void ask(ConsentQuestion question, std::function<void(ConsentAnswer)> on_answer) override {
    std::lock_guard lock(queue_.mutex);
    on_answer_ = std::move(on_answer);
    first_answer_line_ = queue_.lines_read + 1;
    out_ << '\n' << question_text(question) << ".\nAllow? [y/N] " << std::flush;
    queue_.cv.notify_all();  // end of input may already have been seen: run() denies then
  }

  void cancel_question() override {
    std::lock_guard lock(queue_.mutex);
    if (!on_answer_) return;
    on_answer_ = nullptr;
    out_ << "\n(question withdrawn)\n" << std::flush;
  }

  void show_session(SessionInfo info) override {
    std::lock_guard lock(queue_.mutex);
    on_answer_ = nullptr;
    in_session_ = true;
    out_ << '\n' << session_text(info) << "\nType 'end' and press Enter to end the session.\n" << std::flush;
  }

  // The terminal shows chat but cannot answer it: its input lines answer questions.
  void add_chat_line(std::string line) override { print("chat: " + sanitize_display_text(line, 200) + "\n"); }

  void show_ended(std::string reason) override {
    std::lock_guard lock(queue_.mutex);
    on_answer_ = nullptr;
    in_session_ = false;
    out_ << "\nSession ended: " << sanitize_display_text(reason, 200) << '\n' << std::flush;
  }

  void show_failed_attempts(std::string summary) override {
    print("\nWarning: " + sanitize_display_text(summary, 120) + "\n");
  }

  void set_on_end_session(std::function<void()> callback) override {
    std::lock_guard lock(queue_.mutex);
    on_end_session_ = std::move(callback);
  }
  void set_on_quit(std::function<void()> callback) override {
    std::lock_guard lock(queue_.mutex);
    on_quit_ = std::move(callback);
  }

  int run() override {
    std::unique_lock lock(queue_.mutex);
    while (!queue_.quit) {
      queue_.cv.wait(lock, [&] { return queue_.quit || !queue_.lines.empty() || (queue_.eof && on_answer_); });
      if (queue_.quit) break;
      std::function<void()> action = next_action();
      if (!action) continue;
      lock.unlock();
      action();  // user callbacks run without our lock: they may call back into this object
      lock.lock();
    }
    queue_.quit = false;  // allow run() again after quit(), like the SDL window
    return 0;
  }

  void quit() override {
    std::lock_guard lock(queue_.mutex);
    queue_.quit = true;
    queue_.cv.notify_all();
  }

 private:
  // Reader thread: splits the input into lines until end of input, or until the destructor wakes it.
  void read_lines(int input_fd) {
    std::string partial;
    char chunk[512];
    for (;;) {
      pollfd fds[2] = {{input_fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) return;  // the UI is going away; nobody will read the queue again
      if (fds[0].revents == 0) continue;
      const ssize_t n = ::read(input_fd, chunk, sizeof chunk);  // POLLHUP/POLLNVAL: read() says 0 or fails
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      partial.append(chunk, static_cast<std::size_t>(n));
      push_complete_lines(partial);
    }
    std::lock_guard lock(queue_.mutex);
    if (!partial.empty()) queue_.lines.push_back(Line{++queue_.lines_read, std::move(partial)});
    queue_.eof = true;
    queue_.cv.notify_all();
  }

  void push_complete_lines(std::string& partial) {
    std::lock_guard lock(queue_.mutex);
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1)
      queue_.lines.push_back(Line{++queue_.lines_read, partial.substr(start, nl - start)});
    partial.erase(0, start);
    if (partial.size() > kMaxLine) {
      queue_.lines.push_back(Line{++queue_.lines_read, partial.substr(0, kMaxLine)});
      partial.clear();
    }
    queue_.cv.notify_all();
  }

  void print(const std::string& text) {
    std::lock_guard lock(queue_.mutex);
    out_ << text << std::flush;
  }

  // Called with the lock held: consumes at most one line (or the end of input) and returns what to do.
  std::function<void()> next_action() {
    if (queue_.lines.empty()) {  // end of input while asking: nobody can answer, so deny
      out_ << "\n(no input: denied)\n" << std::flush;
      return [cb = std::exchange(on_answer_, nullptr)] { cb(ConsentAnswer::deny); };
    }
    Line line = std::move(queue_.lines.front());
    queue_.lines.pop_front();
    const std::string word = lowercase_trimmed(line.text);
    if (on_answer_ && line.seq >= first_answer_line_) {
      const auto answer = (word == "y" || word == "yes") ? ConsentAnswer::allow : ConsentAnswer::deny;
      out_ << (answer == ConsentAnswer::allow ? "Allowed.\n" : "Denied.\n") << std::flush;
      return [cb = std::exchange(on_answer_, nullptr), answer] { cb(answer); };
    }
    if (in_session_ && word == "end" && on_end_session_) return on_end_session_;
    if (word == "quit") {
      if (on_quit_) return on_quit_;
      queue_.quit = true;
    }
    return nullptr;  // typed ahead of a question, or not a command: ignored on purpose
  }

  std::ostream& out_;
  InputQueue queue_;
  int wake_[2] = {-1, -1};
  // Guarded by queue_.mutex.
  std::function<void(ConsentAnswer)> on_answer_;
  std::uint64_t first_answer_line_ = 0;
  bool in_session_ = false;
  std::function<void()> on_end_session_;
  std::function<void()> on_quit_;
  std::thread reader_;  // last: started after, and joined before, everything it uses
};

}  // namespace

std::unique_ptr<ConsentUi> make_terminal_consent_ui(int input_fd, std::ostream& out) {
  return std::make_unique<TerminalConsentUi>(input_fd, out);
}

}  // namespace elfdesk::host
