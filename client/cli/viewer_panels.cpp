// ViewerWindow's panels (main thread): triage (Ctrl+Alt+D) as a table of findings in severity colours,
// each with its suggested remedy (a click on it, or Ctrl+Alt+R for the most urgent, asks the customer
// through the same path as `elfdesk fix`), the session status panel, and scrolling any open panel
// (wheel over it, PgUp/PgDn). Clicks and wheel turns on a panel never reach the customer.
#include <SDL.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "client/cli/viewer_window.hpp"
#include "common/log.hpp"
#include "common/replace_file.hpp"
#include "common/probes/advice.hpp"

namespace elfdesk::client {
namespace {

constexpr int kWheelRows = 3;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// The triage report as the host sent it, in the current directory, whole or not at all (a script that
// picks up elfdesk-triage-*.json never reads half of one); returns where it went, for the transcript.
std::string save_triage(const nlohmann::json& document) {
  char name[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(name, sizeof name, "elfdesk-triage-%Y%m%d-%H%M%S.json", std::localtime(&now));
  if (auto saved = replace_file(name, document.dump(2) + "\n"); !saved) {
    log::warn("triage report not saved: {}", saved.error().detail);
    return "report not saved: " + saved.error().detail;
  }
  return std::string("report saved to ") + name;
}

TextColour severity_colour(probes::Severity s) {
  switch (s) {
    case probes::Severity::critical: return text_colour::kCritical;
    case probes::Severity::warning: return text_colour::kWarning;
    case probes::Severity::ok: return text_colour::kOk;
    default: return text_colour::kUnknown;
  }
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

}  // namespace

void ViewerWindow::toggle_triage() {
  panel_open_ = !panel_open_;
  remedy_lines_.clear();
  if (!panel_open_) return window_.hide_panel();
  status_open_ = false;
  window_.show_panel({"Running triage on the customer's machine..."});
  network_.post([this](SessionCore& core) {
    core.probes().call(probes::ProbeInvocation{"triage", {}, std::nullopt, 0},
                       [this, &mailbox = shared_.mailbox](std::expected<probes::ReceivedReport, Error> answer) {
                         // Runs on the network thread (perhaps at close, after the loop): only posts.
                         mailbox.post([this, answer = std::move(answer)] { show_triage(answer); });
                       });
  });
}

void ViewerWindow::show_triage(const std::expected<probes::ReceivedReport, Error>& answer) {
  if (!answer) {
    if (panel_open_) window_.show_panel({"Triage failed: " + answer.error().detail});
    return;
  }
  const std::string saved = save_triage(answer->document);  // also when the panel was closed meanwhile
  // The transcript carries the session's findings: the summary and where the full report is.
  const std::string summary = answer->document.value("data", nlohmann::json::object())
                                  .value("summary", nlohmann::json::object())
                                  .value("text", std::string("triage finished"));
  network_.post([note = "findings: " + summary + " (" + saved + ")"](SessionCore& core) {
    core.chat().note(note);
  });
  if (!panel_open_) return;
  // A table: severity | check | finding, wrapped under the finding column; each remedy below its finding.
  const auto& findings = answer->report.findings;  // most urgent first
  std::size_t check_width = 5;
  for (const auto& f : findings) check_width = std::max(check_width, f.probe.size() + 1 + f.check.size());
  check_width = std::min<std::size_t>(check_width, 28);
  const int indent = static_cast<int>(10 + check_width + 2);
  std::vector<TextLine> lines{
      {"Triage: " + upper(probes::to_string(answer->report.worst)) + " - " + summary,
       severity_colour(answer->report.worst)},
      {pad("SEVERITY", 10) + pad("CHECK", check_width + 2) + "FINDING", text_colour::kHeading}};
  suggested_ = nullptr;
  remedy_lines_.clear();
  for (const auto& f : findings) {
    lines.push_back({pad(upper(probes::to_string(f.severity)), 10) + pad(f.probe + ":" + f.check, check_width + 2) +
                         f.reason,
                     severity_colour(f.severity), indent});
    if (!f.advice.empty()) lines.push_back({std::string(static_cast<std::size_t>(indent), ' ') + f.advice,
                                            text_colour::kDim, indent});
    if (!settings_.remedies || f.remedy.is_null()) continue;
    if (suggested_.is_null()) suggested_ = f.remedy;
    remedy_lines_[static_cast<int>(lines.size())] = f.remedy;
    lines.push_back({std::string(static_cast<std::size_t>(indent), ' ') + "> Remedy: " + probes::remedy_command_args(f) +
                         "   [click to ask the customer]",
                     text_colour::kNormal, indent, true});
  }
  lines.push_back({""});
  lines.push_back({"Saved to " + saved + (suggested_.is_null() ? "" : "   Ctrl+Alt+R: the first remedy") +
                       "   PgUp/PgDn or wheel: scroll   Ctrl+Alt+D: close",
                   text_colour::kDim});
  const std::size_t line_count = lines.size();
  window_.show_panel(std::move(lines));
  const Rect at = window_.panel_rect();
  log::info("viewer: triage panel at {},{} {}x{}: {} lines in {} rows ({} shown)", at.x, at.y, at.width, at.height,
            line_count, window_.panel_rows(), window_.panel_page_rows());
}

// A remedy the shown triage suggested, through the same path as `elfdesk fix`: the customer is asked.
void ViewerWindow::run_remedy(const nlohmann::json& remedy) {
  if (!panel_open_ || !remedy.is_object() || !settings_.remedies) return;
  remedies::RemedyCall call{remedy.value("name", std::string()), {}, false};
  const nlohmann::json args = remedy.value("args", nlohmann::json::object());  // named: items() refers to it
  for (const auto& [key, value] : args.items())
    call.args.items.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  suggested_ = nullptr;  // once per triage: the next one suggests again
  remedy_lines_.clear();
  window_.show_panel({"Asking the customer to allow " + call.name + "..."});
  network_.post([this, call](SessionCore& core) {
    core.remedies().call(call, [this, &mailbox = shared_.mailbox](std::expected<remedies::ReceivedRemedy, Error> answer) {
      mailbox.post([this, answer = std::move(answer)] { show_remedy(answer); });  // network thread: only posts
    });
  });
}

void ViewerWindow::show_remedy(const std::expected<remedies::ReceivedRemedy, Error>& answer) {
  if (!panel_open_) return;
  auto lines = answer ? split_lines(remedies::format_remedy_text(answer->document))
                      : std::vector<std::string>{"Remedy not run: " + answer.error().detail};
  lines.push_back("(Ctrl+Alt+D to close)");
  window_.show_panel(std::move(lines));
}

// Wheel and clicks over a panel stay with the panel; PgUp/PgDn scroll it while one is open.
bool ViewerWindow::on_panel_event(const SDL_Event& e) {
  if (!window_.panel_visible()) return false;
  if (e.type == SDL_MOUSEWHEEL && window_.panel_contains(e.wheel.mouseX, e.wheel.mouseY)) {
    window_.scroll_panel(-e.wheel.y * kWheelRows * (e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1));
    return true;
  }
  if (e.type == SDL_KEYDOWN && (e.key.keysym.sym == SDLK_PAGEUP || e.key.keysym.sym == SDLK_PAGEDOWN)) {
    const int page = std::max(1, window_.panel_page_rows() - 1);
    window_.scroll_panel(e.key.keysym.sym == SDLK_PAGEUP ? -page : page);
    return true;
  }
  if ((e.type == SDL_KEYUP) && (e.key.keysym.sym == SDLK_PAGEUP || e.key.keysym.sym == SDLK_PAGEDOWN)) return true;
  const bool click = e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP;
  if (!click || !window_.panel_contains(e.button.x, e.button.y)) return false;
  if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT && !settings_.view_only) {
    const auto remedy = remedy_lines_.find(window_.panel_line_at(e.button.x, e.button.y));
    if (remedy != remedy_lines_.end()) run_remedy(nlohmann::json(remedy->second));
  }
  return true;
}

// From the menu: what the session is doing (the host, permissions, monitors, a transfer's progress).
void ViewerWindow::show_session_status() {
  status_open_ = !status_open_;
  if (!status_open_) return window_.hide_panel();
  panel_open_ = false;
  using namespace protocol::permission;
  const auto yes = [&](std::uint32_t bit) { return (shared_.granted & bit) != 0 ? "yes" : "no"; };
  std::vector<TextLine> lines{
      {"Session status", text_colour::kHeading},
      {"Host: " + host_title() + "   state: " + shared_.state},
      {std::string("Granted: view ") + yes(kView) + ", control " + yes(kControl) + ", clipboard " + yes(kClipboard) +
       ", diagnostics " + yes(kProbes) + ", remedies " + yes(kRemedies) + ", files " + yes(kFiles) + ", recording " +
       yes(kRecord)},
      {"Monitors: " + (shared_.monitors.monitors.size() <= 1 ? std::string("one monitor")
                                                              : std::to_string(shared_.monitors.monitors.size()))},
      {"Transfer: " + (shared_.transfer_status.empty() ? std::string("none") : shared_.transfer_status)},
      {"Chat lines: " + std::to_string(shared_.chat_lines.size())},
      {""},
      {"(F8: menu, choose \"Transfers and status\" again to close)", text_colour::kDim}};
  window_.show_panel(std::move(lines));
}

}  // namespace elfdesk::client
