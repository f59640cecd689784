#include "host/ui/terminal_consent_ui.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <istream>
#include <mutex>
#include <ostream>
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

// Shared with the reader thread, which may outlive the UI object when it is blocked in getline().
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
  TerminalConsentUi(std::istream& in, std::ostream& out) : out_(out), queue_(std::make_shared<InputQueue>()) {
    reader_ = std::thread([q = queue_, &in] {
      std::string text;
      while (std::getline(in, text)) {
        std::lock_guard lock(q->mutex);
        q->lines.push_back(Line{++q->lines_read, std::move(text)});
        q->cv.notify_all();
      }
      std::lock_guard lock(q->mutex);
      q->eof = true;
      q->cv.notify_all();
    });
  }

  ~TerminalConsentUi() override {
    bool done = false;
    {
      std::lock_guard lock(queue_->mutex);
      done = queue_->eof;
    }
    // A reader blocked on a terminal cannot be interrupted portably; it owns a share of the queue.
    if (done) reader_.join();
    else reader_.detach();
  }

  void show_code(std::string formatted_code, std::chrono::seconds valid_for) override {
    print(fmt::format("\nelfdesk \u2014 remote support\nRead this code to your support engineer:\n\n"
                      "    {}\n\n(valid for {})\n",
                      sanitize_display_text(formatted_code, 32), format_countdown(valid_for)));
  }

  void ask(ConsentQuestion question, std::function<void(ConsentAnswer)> on_answer) override {
    std::lock_guard lock(queue_->mutex);
    on_answer_ = std::move(on_answer);
    first_answer_line_ = queue_->lines_read + 1;
    out_ << '\n' << question_text(question) << ".\nAllow? [y/N] " << std::flush;
    queue_->cv.notify_all();  // end of input may already have been seen: run() denies then
  }

  void cancel_question() override {
    std::lock_guard lock(queue_->mutex);
    if (!on_answer_) return;
    on_answer_ = nullptr;
    out_ << "\n(question withdrawn)\n" << std::flush;
  }

  void show_session(SessionInfo info) override {
    std::lock_guard lock(queue_->mutex);
    on_answer_ = nullptr;
    in_session_ = true;
    out_ << '\n' << session_text(info) << "\nType 'end' and press Enter to end the session.\n" << std::flush;
  }

  void show_ended(std::string reason) override {
    std::lock_guard lock(queue_->mutex);
    on_answer_ = nullptr;
    in_session_ = false;
    out_ << "\nSession ended: " << sanitize_display_text(reason, 200) << '\n' << std::flush;
  }

  void set_on_end_session(std::function<void()> callback) override {
    std::lock_guard lock(queue_->mutex);
    on_end_session_ = std::move(callback);
  }
  void set_on_quit(std::function<void()> callback) override {
    std::lock_guard lock(queue_->mutex);
    on_quit_ = std::move(callback);
  }

  int run() override {
    std::unique_lock lock(queue_->mutex);
    while (!queue_->quit) {
      queue_->cv.wait(lock, [&] { return queue_->quit || !queue_->lines.empty() || (queue_->eof && on_answer_); });
      if (queue_->quit) break;
      std::function<void()> action = next_action();
      if (!action) continue;
      lock.unlock();
      action();  // user callbacks run without our lock: they may call back into this object
      lock.lock();
    }
    queue_->quit = false;  // allow run() again after quit(), like the SDL window
    return 0;
  }

  void quit() override {
    std::lock_guard lock(queue_->mutex);
    queue_->quit = true;
    queue_->cv.notify_all();
  }

 private:
  void print(const std::string& text) {
    std::lock_guard lock(queue_->mutex);
    out_ << text << std::flush;
  }

  // Called with the lock held: consumes at most one line (or the end of input) and returns what to do.
  std::function<void()> next_action() {
    if (queue_->lines.empty()) {  // end of input while asking: nobody can answer, so deny
      out_ << "\n(no input: denied)\n" << std::flush;
      return [cb = std::exchange(on_answer_, nullptr)] { cb(ConsentAnswer::deny); };
    }
    Line line = std::move(queue_->lines.front());
    queue_->lines.pop_front();
    const std::string word = lowercase_trimmed(line.text);
    if (on_answer_ && line.seq >= first_answer_line_) {
      const auto answer = (word == "y" || word == "yes") ? ConsentAnswer::allow : ConsentAnswer::deny;
      out_ << (answer == ConsentAnswer::allow ? "Allowed.\n" : "Denied.\n") << std::flush;
      return [cb = std::exchange(on_answer_, nullptr), answer] { cb(answer); };
    }
    if (in_session_ && word == "end" && on_end_session_) return on_end_session_;
    if (word == "quit") {
      if (on_quit_) return on_quit_;
      queue_->quit = true;
    }
    return nullptr;  // typed ahead of a question, or not a command: ignored on purpose
  }

  std::ostream& out_;
  std::shared_ptr<InputQueue> queue_;
  std::thread reader_;
  // Guarded by queue_->mutex.
  std::function<void(ConsentAnswer)> on_answer_;
  std::uint64_t first_answer_line_ = 0;
  bool in_session_ = false;
  std::function<void()> on_end_session_;
  std::function<void()> on_quit_;
};

}  // namespace

std::unique_ptr<ConsentUi> make_terminal_consent_ui(std::istream& in, std::ostream& out) {
  return std::make_unique<TerminalConsentUi>(in, out);
}

}  // namespace elfdesk::host
