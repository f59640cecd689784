// RemedyRunner: one remedy call from arguments to report. Validates against the catalogue, plans
// (read-only), measures the related probe, asks the customer through the caller's `Ask`, applies the
// plan under the remedy's time limit, measures again (before -> after). Blocking: runs on the host's
// probe pool (never the network thread). Immutable after construction except cancel_all(); any thread.
#pragma once
#include <nlohmann/json.hpp>

#include <atomic>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/probes/probe_runner.hpp"
#include "common/remedies/remedy.hpp"

namespace elfdesk::remedies {

struct RemedyCall {
  std::string name;
  probes::ProbeArgs args;
  bool dry_run = false;
};

// How the customer answered the question (asked in their window, or pre-approved with --consent accept).
enum class Answer { allow, pre_approved, deny, timed_out, no_way_to_ask };
std::string_view to_string(Answer answer);
// Blocks until the customer answered (or the asker's own deadline passed). `question` is the plan's words.
using Ask = std::function<Answer(const std::string& question)>;

struct EffectResult {
  std::string probe, label, unit;
  std::optional<double> before, after;
  std::string text;  // "/home: 97% -> 61%"
};

struct RemedyReport {
  std::string remedy;
  probes::ProbeArgs args;
  bool dry_run = false;
  Outcome outcome = Outcome::done;
  std::string summary;   // one sentence: what happened, or why not
  std::string question;  // what the customer was (or would be) asked; empty when not asked
  std::string consent;   // "asked: allowed", "pre-approved", "not needed (read-only)", "not asked (dry run)", ...
  Touched touched;
  std::vector<EffectResult> effects;
  nlohmann::json details = nlohmann::json::object();
  double elapsed_ms = 0;
};
void to_json(nlohmann::json& out, const RemedyReport& report);

class RemedyRunner {
 public:
  // `probes` measures effects (before/after); null: no effects are measured. It must outlive the runner.
  RemedyRunner(const RemedyCatalogue& catalogue, RemedyContext context, const probes::ProbeRunner* probes);

  std::expected<void, Error> validate(const RemedyCall& call) const;
  // Errors only for an invalid call (unknown remedy, bad argument); everything else is a report.
  std::expected<RemedyReport, Error> run(const RemedyCall& call, const Ask& ask) const;
  // Makes every running and future remedy see its time limit as passed (the session ended).
  void cancel_all() const { cancel_->store(true); }

 private:
  std::vector<EffectResult> measure(const std::vector<Effect>& effects) const;
  void measure_after(const std::vector<Effect>& effects, std::vector<EffectResult>& results) const;

  const RemedyCatalogue& catalogue_;
  RemedyContext context_;
  const probes::ProbeRunner* probes_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace elfdesk::remedies
