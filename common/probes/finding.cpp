#include "common/probes/finding.hpp"

#include <algorithm>

namespace elfdesk::probes {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::ok: return "ok";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
    case Severity::unknown: return "unknown";
  }
  return "unknown";
}

std::expected<Severity, Error> severity_from_string(std::string_view text) {
  for (Severity s : {Severity::ok, Severity::warning, Severity::critical, Severity::unknown}) {
    if (text == to_string(s)) return s;
  }
  return std::unexpected(make_error(ErrorCode::invalid_argument,
                                    "unknown severity '" + std::string(text) +
                                        "' (expected ok, warning, critical or unknown)"));
}

int urgency(Severity severity) {
  switch (severity) {
    case Severity::critical: return 3;
    case Severity::warning: return 2;
    case Severity::unknown: return 1;
    case Severity::ok: return 0;
  }
  return 1;
}

Severity worse(Severity a, Severity b) { return urgency(b) > urgency(a) ? b : a; }

void to_json(nlohmann::json& out, const Finding& finding) {
  out = nlohmann::json{{"probe", finding.probe},
                       {"check", finding.check},
                       {"severity", to_string(finding.severity)},
                       {"reason", finding.reason},
                       {"value", finding.value}};
  if (!finding.advice.empty()) out["advice"] = finding.advice;
  if (!finding.remedy.is_null()) out["remedy"] = finding.remedy;
}

void from_json(const nlohmann::json& in, Finding& finding) {
  finding.probe = in.at("probe").get<std::string>();
  finding.check = in.at("check").get<std::string>();
  auto severity = severity_from_string(in.at("severity").get<std::string>());
  if (!severity) {
    throw nlohmann::json::other_error::create(501, severity.error().detail, &in);
  }
  finding.severity = *severity;
  finding.reason = in.at("reason").get<std::string>();
  finding.value = in.contains("value") ? in.at("value") : nlohmann::json();
  finding.advice = in.contains("advice") ? in.at("advice").get<std::string>() : std::string();
  finding.remedy = in.contains("remedy") ? in.at("remedy") : nlohmann::json();
  if (!finding.remedy.is_null() && (!finding.remedy.is_object() || !finding.remedy.contains("name") ||
                                    !finding.remedy["name"].is_string()))
    throw nlohmann::json::other_error::create(501, "a suggested remedy needs a name", &in);
}

std::expected<Finding, Error> finding_from_json(const nlohmann::json& in) {
  try {
    return in.get<Finding>();
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(make_error(ErrorCode::malformed, std::string("finding: ") + e.what()));
  }
}

void rank_by_urgency(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return urgency(a.severity) > urgency(b.severity);
  });
}

Severity worst_of(const std::vector<Finding>& findings) {
  Severity worst = Severity::ok;
  for (const auto& f : findings) worst = worse(worst, f.severity);
  return worst;
}

}  // namespace elfdesk::probes
