#include "common/remedies/remedy_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace elfdesk::remedies {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string effect_text(const EffectResult& e) {
  auto shown = [&](const std::optional<double>& v) { return v ? fmt::format("{:.0f}{}", *v, e.unit) : std::string("?"); };
  return fmt::format("{}: {} -> {}", e.label, shown(e.before), shown(e.after));
}

std::string declined_summary(Answer answer, const std::string& question) {
  switch (answer) {
    case Answer::deny: return "the customer declined: " + question;
    case Answer::timed_out: return "the customer did not answer in time: " + question;
    default: return "there is no way to ask the customer here (no window, no terminal): " + question;
  }
}

}  // namespace

std::string_view to_string(Answer answer) {
  switch (answer) {
    case Answer::allow: return "asked: allowed";
    case Answer::pre_approved: return "pre-approved (--consent accept)";
    case Answer::deny: return "asked: denied";
    case Answer::timed_out: return "asked: no answer in time";
    case Answer::no_way_to_ask: return "no way to ask the customer";
  }
  return "unknown";
}

void to_json(nlohmann::json& out, const RemedyReport& r) {
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [key, value] : r.args.items) args[key] = value;
  nlohmann::json effects = nlohmann::json::array();
  for (const auto& e : r.effects)
    effects.push_back({{"probe", e.probe}, {"label", e.label}, {"unit", e.unit},
                       {"before", e.before ? nlohmann::json(*e.before) : nlohmann::json()},
                       {"after", e.after ? nlohmann::json(*e.after) : nlohmann::json()}, {"text", e.text}});
  out = {{"remedy", r.remedy}, {"args", args}, {"dry_run", r.dry_run}, {"outcome", to_string(r.outcome)},
         {"summary", r.summary}, {"question", r.question}, {"consent", r.consent}, {"touched", r.touched},
         {"effects", effects}, {"details", r.details}, {"elapsed_ms", r.elapsed_ms}};
}

RemedyRunner::RemedyRunner(const RemedyCatalogue& catalogue, RemedyContext context, const probes::ProbeRunner* probes)
    : catalogue_(catalogue), context_(std::move(context)), probes_(probes) {}

std::expected<void, Error> RemedyRunner::validate(const RemedyCall& call) const {
  return catalogue_.validate(call.name, call.args);
}

std::vector<EffectResult> RemedyRunner::measure(const std::vector<Effect>& effects) const {
  std::vector<EffectResult> results;
  for (const auto& e : effects) {
    EffectResult r{e.probe, e.label, e.unit, std::nullopt, std::nullopt, {}};
    if (probes_ && e.read) {
      auto report = probes_->run({e.probe, e.args, std::nullopt, 0});
      if (report) r.before = e.read(*report);
    }
    results.push_back(std::move(r));
  }
  return results;
}

void RemedyRunner::measure_after(const std::vector<Effect>& effects, std::vector<EffectResult>& results) const {
  const std::vector<EffectResult> after = measure(effects);
  for (std::size_t i = 0; i < results.size() && i < after.size(); ++i) {
    results[i].after = after[i].before;
    results[i].text = effect_text(results[i]);
  }
}

std::expected<RemedyReport, Error> RemedyRunner::run(const RemedyCall& call, const Ask& ask) const {
  if (auto ok = validate(call); !ok) return std::unexpected(ok.error());
  const auto start = Clock::now();
  const RemedyInfo& info = *catalogue_.find(call.name);
  RemedyContext ctx = context_;
  ctx.cancel = cancel_;
  ctx.deadline = start + info.time_limit;
  RemedyReport report;
  report.remedy = call.name;
  report.args = call.args;
  report.dry_run = call.dry_run;
  auto finish = [&](Outcome outcome, std::string summary) {
    report.outcome = outcome;
    report.summary = std::move(summary);
    report.elapsed_ms = ms_since(start);
    return report;
  };
  RemedyPlan plan;
  try {
    auto planned = info.plan(ctx, call.args);
    if (!planned) return finish(Outcome::failed, planned.error().detail);
    plan = std::move(*planned);
  } catch (const std::exception& e) {
    return finish(Outcome::failed, std::string("remedy failed: ") + e.what());
  }
  report.details = plan.details;
  report.touched = plan.touched;
  if (plan.outcome != Outcome::done || !plan.apply) {
    report.consent = "not needed (nothing to change)";
    const Outcome outcome = plan.outcome == Outcome::done && call.dry_run ? Outcome::dry_run : plan.outcome;
    return finish(outcome, plan.summary);
  }
  report.question = plan.question;
  if (call.dry_run) {
    report.consent = "not asked (dry run)";
    return finish(Outcome::dry_run, "would " + plan.question + "; nothing was changed");
  }
  report.effects = measure(plan.effects);
  const Answer answer = ask ? ask(plan.question) : Answer::no_way_to_ask;
  report.consent = std::string(to_string(answer));
  if (answer != Answer::allow && answer != Answer::pre_approved) return finish(Outcome::declined, declined_summary(answer, plan.question));
  ctx.deadline = Clock::now() + info.time_limit;  // the limit is on the action, not on the customer's reading
  Applied applied;
  try {
    applied = plan.apply(ctx);
  } catch (const std::exception& e) {
    applied.outcome = Outcome::failed;
    applied.summary = std::string("remedy failed: ") + e.what();
  }
  report.touched = applied.touched;
  measure_after(plan.effects, report.effects);
  return finish(applied.outcome, applied.summary);
}

}  // namespace elfdesk::remedies
