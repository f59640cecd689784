#include "host/core/consent_gate.hpp"

#include "common/log.hpp"
#include "host/ui/display_text.hpp"

namespace elfdesk::host {
namespace {

constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
using protocol::ConsentDecision;

struct PendingAnswer {
  explicit PendingAnswer(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::optional<ConsentAnswer> answer;
};

// Asks through the UI and waits on the network thread; the UI's callback comes from the UI thread.
// `question` is a reference to the caller's named local: g++ 12 destroys a braced temporary passed by
// value into a coroutine twice (heap corruption seen as "munmap_chunk(): invalid pointer").
asio::awaitable<ConsentDecision> ask_customer(Connection& connection, ConsentUi& ui, const ConsentQuestion& question,
                                              std::chrono::seconds timeout) {
  auto pending = std::make_shared<PendingAnswer>(connection.executor());
  pending->timer.expires_after(timeout);
  ui.ask(question, [pending, ex = connection.executor()](ConsentAnswer answer) {
    asio::post(ex, [pending, answer] {
      if (pending->answer) return;
      pending->answer = answer;
      pending->timer.cancel();
    });
  });
  co_await pending->timer.async_wait(kTuple);
  if (!pending->answer) {
    ui.cancel_question();
    co_return ConsentDecision::timed_out;
  }
  co_return *pending->answer == ConsentAnswer::allow ? ConsentDecision::allowed : ConsentDecision::denied;
}

}  // namespace

std::uint32_t grant_permissions(std::uint32_t requested, const HostOptions& options) {
  using namespace protocol::permission;
  std::uint32_t allowed = kView | kProbes | kControl | kClipboard;
  if (options.view_only) allowed &= ~(kControl | kClipboard);
  if (!options.clipboard) allowed &= ~kClipboard;
  return requested & allowed;
}

asio::awaitable<std::optional<SessionSetup>> run_consent(Connection& connection, const PeerInfo& peer,
                                                         const HostOptions& options, ConsentUi* ui,
                                                         AuditLog& audit) {
  auto received = co_await connection.receive(std::chrono::seconds(10));
  auto* request = received ? std::get_if<protocol::ConsentRequest>(&*received) : nullptr;
  if (!request) {
    if (received) connection.close(protocol::GoodbyeReason::protocol_error, "expected ConsentRequest");
    audit.record("consent", {{"peer", connection.peer()}, {"decision", "none"}, {"reason", "no consent request"}});
    co_return std::nullopt;
  }
  SessionSetup setup{request->engineer_name.empty() ? peer.hello.name : request->engineer_name, connection.peer(),
                     grant_permissions(request->requested_permissions, options), peer.capabilities};
  const bool view_only = (setup.permissions & protocol::permission::kControl) == 0;
  ConsentDecision decision = ConsentDecision::denied;
  std::string how;
  if (options.consent == ConsentMode::accept) {
    decision = ConsentDecision::allowed;
    how = "pre-approved (--consent accept)";
  } else if (ui) {
    // The name comes from the network: never print control characters or escapes to the terminal.
    std::printf("elfdesk-host: %s (from %s) wants to %s this computer\n", sanitize_display_text(setup.engineer_name).c_str(),
                setup.peer.c_str(), view_only ? "view" : "view and control");
    std::fflush(stdout);
    const ConsentQuestion question{setup.engineer_name, setup.peer, view_only};
    decision = co_await ask_customer(connection, *ui, question, options.consent_timeout);
    how = decision == ConsentDecision::timed_out ? "no answer in time" : "asked the customer";
  } else {
    how = "no way to ask the customer";
  }
  const char* word = decision == ConsentDecision::allowed  ? "allowed"
                     : decision == ConsentDecision::denied ? "denied"
                                                           : "timed_out";
  audit.record("consent", {{"peer", setup.peer}, {"engineer", setup.engineer_name}, {"decision", word},
                           {"how", how}, {"permissions", setup.permissions}});
  if (decision != ConsentDecision::allowed) {
    const std::string reason = decision == ConsentDecision::timed_out ? "the customer did not answer in time"
                                                                      : "declined by the customer";
    connection.send(protocol::ConsentResult{decision, 0, reason});
    connection.close(protocol::GoodbyeReason::declined, reason);
    std::printf("elfdesk-host: access %s\n", decision == ConsentDecision::timed_out ? "not granted (no answer)" : "denied");
    std::fflush(stdout);
    co_return std::nullopt;
  }
  connection.send(protocol::ConsentResult{decision, setup.permissions, ""});
  std::printf("elfdesk-host: session started with %s (from %s)\n", sanitize_display_text(setup.engineer_name).c_str(),
              setup.peer.c_str());
  std::fflush(stdout);
  co_return setup;
}

}  // namespace elfdesk::host
