#include "host/remedies/host_remedies.hpp"

#include <cstdio>

#include "common/log.hpp"
#include "common/remedies/remedy_wire.hpp"
#include "host/ui/display_text.hpp"

namespace elfdesk::host {

// The customer's answer, handed from the UI thread to the pool thread that waits for it.
struct HostRemedies::Waiter {
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<ConsentAnswer> answer;
  std::uint64_t serial = 0;  // the question being waited for; answers to older ones are dropped
  bool cancelled = false;
};

HostRemedies::HostRemedies(RemedySessionInfo info, const HostOptions& options, AuditLog& audit, ConsentUi* ui,
                           const probes::ProbeRunner& probes, remedies::RemedyContext context)
    : info_(std::move(info)),
      options_(options),
      audit_(audit),
      ui_(ui),
      runner_(remedies::builtin_catalogue(), std::move(context), &probes),
      waiter_(std::make_shared<Waiter>()) {}

HostRemedies::~HostRemedies() = default;

std::optional<std::string> HostRemedies::refusal() const {
  if ((info_.permissions & protocol::permission::kRemedies) != 0) return std::nullopt;
  if (!options_.probes) return "remedies are not allowed on this computer (elfdesk-host --no-probes)";
  if (options_.view_only) return "remedies are not allowed in a view-only session (elfdesk-host --view-only)";
  return "remedies were not granted for this session";
}

void HostRemedies::handle(const protocol::RemedyRequest& request, asio::thread_pool& pool,
                          std::weak_ptr<Connection> connection) {
  auto reject = [&](const std::string& why) {
    audit_.record("remedy", {{"engineer", info_.engineer_name}, {"remedy", request.name},
                             {"args", nlohmann::json(remedies::call_from_request(request).args.items)},
                             {"dry_run", request.dry_run}, {"outcome", "rejected"}, {"detail", why}});
    if (auto c = connection.lock()) c->send(remedies::make_rejected_remedy(request.request_id, why));
  };
  if (auto why = refusal()) return reject(*why);
  if (auto ok = runner_.validate(remedies::call_from_request(request)); !ok) return reject(ok.error().detail);
  if (busy_.exchange(true)) return reject("another remedy is still running or waiting for the customer's answer");
  asio::post(pool, [this, request, connection] {
    run(request, connection);
    busy_ = false;
  });
}

remedies::Answer HostRemedies::ask(const std::string& question) {
  if (options_.consent == ConsentMode::accept) return remedies::Answer::pre_approved;
  if (!ui_) return remedies::Answer::no_way_to_ask;
  const ConsentQuestion q{info_.engineer_name, info_.peer, 0, false, question};
  std::printf("elfdesk-host: %s\n", question_text(q).c_str());  // sanitised: the name comes from the network
  std::fflush(stdout);
  std::uint64_t serial = 0;
  {
    std::lock_guard lock(waiter_->mutex);
    if (waiter_->cancelled) return remedies::Answer::timed_out;
    serial = ++waiter_->serial;
    waiter_->answer.reset();
  }
  ui_->ask(q, [waiter = waiter_, serial](ConsentAnswer answer) {
    std::lock_guard lock(waiter->mutex);
    if (waiter->serial != serial) return;
    waiter->answer = answer;
    waiter->cv.notify_all();
  });
  std::unique_lock lock(waiter_->mutex);
  const bool answered = waiter_->cv.wait_for(lock, options_.consent_timeout,
                                             [&] { return waiter_->answer.has_value() || waiter_->cancelled; });
  if (!answered || !waiter_->answer) {
    ++waiter_->serial;  // a late click answers nothing
    lock.unlock();
    ui_->cancel_question();
    return remedies::Answer::timed_out;
  }
  return *waiter_->answer == ConsentAnswer::allow ? remedies::Answer::allow : remedies::Answer::deny;
}

void HostRemedies::run(const protocol::RemedyRequest& request, std::weak_ptr<Connection> connection) {
  const remedies::RemedyCall call = remedies::call_from_request(request);
  auto report = runner_.run(call, [this](const std::string& question) { return ask(question); });
  protocol::RemedyResult result = report ? remedies::make_remedy_result(request.request_id, *report)
                                         : remedies::make_rejected_remedy(request.request_id, report.error().detail);
  nlohmann::json record{{"engineer", info_.engineer_name}, {"remedy", call.name},
                        {"args", nlohmann::json(call.args.items)}, {"dry_run", call.dry_run}};
  if (report) {
    const nlohmann::json document = *report;
    for (const char* key : {"outcome", "summary", "question", "consent", "touched", "effects"}) record[key] = document[key];
  } else {
    record["outcome"] = "rejected";
    record["detail"] = report.error().detail;
  }
  audit_.record("remedy", std::move(record));
  if (report) log::info("remedy {}: {}: {}", call.name, remedies::to_string(report->outcome), report->summary);
  // It was allowed and ran: the customer learns how it went (the window keeps the line after the session).
  const bool ran = report && !call.dry_run && !report->question.empty() &&
                   (report->outcome == remedies::Outcome::done || report->outcome == remedies::Outcome::failed);
  if (ran) {
    const std::string line = (report->outcome == remedies::Outcome::done ? "Done: " : "Failed: ") + report->summary;
    if (ui_) ui_->show_activity(line);
    std::printf("elfdesk-host: %s\n", sanitize_display_text(line, 200).c_str());
    std::fflush(stdout);
  }
  if (auto c = connection.lock()) asio::post(c->executor(), [c, r = std::move(result)] { c->send(r); });
}

void HostRemedies::cancel_all() {
  runner_.cancel_all();
  bool was_asking = false;
  {
    std::lock_guard lock(waiter_->mutex);
    waiter_->cancelled = true;
    was_asking = busy_.load();
    waiter_->cv.notify_all();
  }
  if (was_asking && ui_) ui_->cancel_question();
}

}  // namespace elfdesk::host
