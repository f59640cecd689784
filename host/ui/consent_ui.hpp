// Role interface of the customer-facing consent/session UI used by the host's session logic.
// Thread contract: every method except run() may be called from any thread (normally the network
// thread); run() owns the UI loop on the main thread, and every callback is invoked on that UI thread,
// never on the caller's thread: callers marshal back to their own thread (e.g. asio::post).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace elfdesk::host {

// An engineer who proved the one-time code and now asks for access.
struct ConsentQuestion {
  std::string engineer_name;  // from the network: untrusted, the UI sanitises it before display
  std::string peer_address;   // e.g. "203.0.113.7:51234"
  std::uint32_t permissions = 0;  // protocol::permission bits the customer would grant
  bool local_net_checks = false;   // network probes may reach this machine and the local network
  // A request during a session ("send you the file report.pdf (2.1 MB)"), shown instead of the
  // permissions; sanitised by the UI. Empty: the question of whether to let the engineer in.
  std::string request;
  friend bool operator==(const ConsentQuestion&, const ConsentQuestion&) = default;
};

// Timeouts are not an answer: the caller keeps its own deadline and calls cancel_question().
enum class ConsentAnswer { allow, deny };

// What the customer must always see while a session runs.
struct SessionInfo {
  std::string engineer_name;
  std::string peer_address;
  std::uint32_t permissions = 0;  // protocol::permission bits granted
  friend bool operator==(const SessionInfo&, const SessionInfo&) = default;
};

class ConsentUi {
 public:
  virtual ~ConsentUi() = default;

  // Shows the one-time code (already grouped, e.g. "482-193-775") with a countdown of its validity. An
  // empty code means there is none at the moment (relay mode: the relay is not reachable yet or again).
  virtual void show_code(std::string formatted_code, std::chrono::seconds valid_for) = 0;
  // Asks the customer; on_answer is invoked at most once, on the UI thread. A new ask() or
  // cancel_question() drops the pending question without invoking its callback.
  virtual void ask(ConsentQuestion question, std::function<void(ConsentAnswer)> on_answer) = 0;
  virtual void cancel_question() = 0;
  // Switches to the "session active" banner; also drops any pending question.
  virtual void show_session(SessionInfo info) = 0;
  virtual void show_ended(std::string reason) = 0;
  // A warning for the customer, shown until the next session: wrong codes were tried ("3 wrong codes
  // tried from 198.51.100.7"), or a request timed out unanswered ("The request from Alice ... timed out").
  virtual void show_failed_attempts(std::string summary) = 0;
  // The customer pressed "End session" (UI thread).
  virtual void set_on_end_session(std::function<void()> callback) = 0;
  // The customer closed the window or pressed Ctrl-C (UI thread). Without a callback the loop quits.
  virtual void set_on_quit(std::function<void()> callback) = 0;

  // Chat during a session (host/transfer/host_chat): a line to show ("11:52:07 Alice: text", from the
  // network: the UI sanitises it), and the customer's own lines, handed to `callback` on the UI thread.
  // A UI without a chat view shows what it can and never calls back.
  virtual void add_chat_line(std::string line) { (void)line; }
  virtual void set_on_chat(std::function<void(std::string)> callback) { (void)callback; }
  // One line of what is going on ("Receiving report.pdf: 45%"); empty hides it. The last line of a
  // session stays under the next code's "Last session: ..." until another session starts.
  virtual void show_activity(std::string line) { (void)line; }

  // Main thread only: runs the UI loop until quit(); returns 0.
  virtual int run() = 0;
  virtual void quit() = 0;  // any thread
};

}  // namespace elfdesk::host
