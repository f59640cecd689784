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
  // Wakes every second: an engineer who gave up (their connection failed, e.g. a keep-alive could not be
  // written) takes the question away, rather than leaving it up for a minute with the host busy.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pending->answer && connection.is_open() && std::chrono::steady_clock::now() < deadline) {
    pending->timer.expires_after(std::min<std::chrono::steady_clock::duration>(
        std::chrono::seconds(1), deadline - std::chrono::steady_clock::now()));
    co_await pending->timer.async_wait(kTuple);
  }
  if (!pending->answer) {
    ui.cancel_question();
    co_return ConsentDecision::timed_out;
  }
  co_return *pending->answer == ConsentAnswer::allow ? ConsentDecision::allowed : ConsentDecision::denied;
}

}  // namespace

std::uint32_t grant_permissions(std::uint32_t requested, const HostOptions& options) {
  using namespace protocol::permission;
  std::uint32_t allowed = kView | kProbes | kControl | kClipboard | kRemedies | kFiles | kRecord;
  if (options.view_only) allowed &= ~(kControl | kClipboard | kRemedies | kFiles);  // a view-only session changes nothing
  if (!options.files) allowed &= ~kFiles;
  if (!options.clipboard) allowed &= ~kClipboard;
  if (!options.probes) allowed &= ~(kProbes | kRemedies);
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
  const ConsentQuestion question{setup.engineer_name, setup.peer, setup.permissions, options.allow_local_net_checks, {}};
  ConsentDecision decision = ConsentDecision::denied;
  std::string how;
  std::string refusal = "declined by the customer";
  if (setup.permissions == 0) {
    // Nothing asked for is allowed here (e.g. `elfdesk diag` against --no-probes): refuse without asking.
    how = "nothing asked for is allowed";
    refusal = (request->requested_permissions & protocol::permission::kProbes) != 0 && !options.probes
                  ? "diagnostics are not allowed on this computer (elfdesk-host --no-probes)"
              : (request->requested_permissions & protocol::permission::kRemedies) != 0
                  ? (options.probes ? "remedies are not allowed in a view-only session (elfdesk-host --view-only)"
                                    : "remedies are not allowed on this computer (elfdesk-host --no-probes)")
                  : "nothing that was asked for is allowed on this computer";
  } else if (options.consent == ConsentMode::accept) {
    decision = ConsentDecision::allowed;
    how = "pre-approved (--consent accept)";
  } else if (ui) {
    // question_text sanitises: the name comes from the network, never print escapes to the terminal.
    std::printf("elfdesk-host: %s\n", question_text(question).c_str());
    std::fflush(stdout);
    decision = co_await ask_customer(connection, *ui, question, options.consent_timeout);
    const bool left = decision == ConsentDecision::timed_out && !connection.is_open();
    if (decision == ConsentDecision::timed_out) {
      // The customer must see that someone asked, not just a fresh code.
      const std::string note = left ? left_text(question) : timeout_text(question);
      std::printf("elfdesk-host: %s\n", note.c_str());
      std::fflush(stdout);
      ui->show_failed_attempts(note);
    }
    how = left ? "the engineer left" : decision == ConsentDecision::timed_out ? "no answer in time" : "asked the customer";
  } else {
    how = "no way to ask the customer";
  }
  const char* word = decision == ConsentDecision::allowed  ? "allowed"
                     : decision == ConsentDecision::denied ? "denied"
                                                           : "timed_out";
  audit.record("consent", {{"peer", setup.peer}, {"engineer", setup.engineer_name}, {"decision", word},
                           {"how", how}, {"permissions", setup.permissions},
                           {"recording", (setup.permissions & protocol::permission::kRecord) != 0}});
  if (decision != ConsentDecision::allowed) {
    const std::string reason = decision == ConsentDecision::timed_out ? "the customer did not answer in time" : refusal;
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
