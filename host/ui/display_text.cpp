#include "host/ui/display_text.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "protocol/messages.hpp"

namespace elfdesk::host {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence at text[i]; advances i. Rejects overlongs, surrogates and > U+10FFFF.
char32_t decode_one(std::string_view text, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i++]);
  if (b0 < 0x80) return b0;
  int extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) { extra = 1; cp = b0 & 0x1Fu; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { extra = 2; cp = b0 & 0x0Fu; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { extra = 3; cp = b0 & 0x07u; min = 0x10000; }
  else return kReplacement;
  for (int k = 0; k < extra; ++k) {
    if (i >= text.size()) return kReplacement;
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b & 0xC0) != 0x80) return kReplacement;  // do not consume: it may start the next char
    cp = (cp << 6) | (b & 0x3Fu);
    ++i;
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacement;
  return cp;
}

bool is_hidden(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;             // C0, DEL, C1 controls
  if (cp >= 0x202A && cp <= 0x202E) return true;                         // bidi embeddings/overrides
  if (cp >= 0x2066 && cp <= 0x2069) return true;                         // bidi isolates
  if (cp == 0x200E || cp == 0x200F || cp == 0x061C) return true;         // bidi marks
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) return true;         // line breaks, BOM
  return false;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string sanitize_display_text(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  std::size_t i = 0;
  bool last_space = false;
  while (i < text.size()) {
    char32_t cp = decode_one(text, i);
    if (is_hidden(cp)) cp = U' ';  // keep word boundaries visible, collapse below
    const bool space = cp == U' ';
    if (space && (last_space || chars == 0)) continue;
    if (chars == max_chars) {
      out += "\u2026";
      break;
    }
    append_utf8(out, cp);
    ++chars;
    last_space = space;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? std::string("(unnamed)") : out;
}

std::vector<std::string> permission_clauses(std::uint32_t permissions, bool local_net_checks) {
  namespace p = protocol::permission;
  std::vector<std::string> parts;
  if ((permissions & p::kView) != 0) parts.emplace_back("view your screen");
  if ((permissions & p::kControl) != 0) parts.emplace_back("control your keyboard and mouse");
  if ((permissions & p::kClipboard) != 0) parts.emplace_back("copy and paste through your clipboard (both ways)");
  if ((permissions & p::kProbes) != 0)
    parts.emplace_back(local_net_checks
                           ? "run read-only diagnostics (system, processes, services, logs, disks; network checks "
                             "may reach this computer and your local network)"
                           : "run read-only diagnostics (system, processes, services, logs, disks; network checks "
                             "to public addresses only)");
  if ((permissions & p::kRemedies) != 0) parts.emplace_back("propose fixes (you approve each one)");
  if ((permissions & p::kRecord) != 0) parts.emplace_back("record the session as a video (kept by the engineer)");
  if ((permissions & p::kFiles) != 0) parts.emplace_back("send and receive files (you approve each one)");
  return parts;
}

std::string permission_words(std::uint32_t permissions) {
  namespace p = protocol::permission;
  static constexpr std::pair<std::uint32_t, const char*> kWords[] = {
      {p::kView, "screen"},       {p::kControl, "keyboard and mouse"}, {p::kClipboard, "clipboard"},
      {p::kProbes, "diagnostics"}, {p::kRemedies, "fixes"},             {p::kRecord, "recording"},
      {p::kFiles, "files"}};
  std::string out;
  for (const auto& [bit, word] : kWords)
    if ((permissions & bit) != 0) out += (out.empty() ? "" : ", ") + std::string(word);
  return out.empty() ? "nothing yet" : out;
}

std::string describe_permissions(std::uint32_t permissions, bool local_net_checks) {
  const std::vector<std::string> parts = permission_clauses(permissions, local_net_checks);
  if (parts.empty()) return "do nothing yet";
  std::string out = parts.front();
  for (std::size_t k = 1; k < parts.size(); ++k) out += (k + 1 == parts.size() ? " and " : ", ") + parts[k];
  return out;
}

std::string question_text(const ConsentQuestion& question) {
  if (!question.request.empty())
    return fmt::format("{} (from {}) wants to {}", sanitize_display_text(question.engineer_name),
                       sanitize_display_text(question.peer_address, 64), sanitize_display_text(question.request, 160));
  return fmt::format("{} (from {}) wants to {}", sanitize_display_text(question.engineer_name),
                     sanitize_display_text(question.peer_address, 64),
                     describe_permissions(question.permissions, question.local_net_checks));
}

std::string timeout_text(const ConsentQuestion& question) {
  return fmt::format("The request from {} ({}) timed out: nobody answered, so nothing was shared",
                     sanitize_display_text(question.engineer_name), sanitize_display_text(question.peer_address, 64));
}

std::string left_text(const ConsentQuestion& question) {
  return fmt::format("{} ({}) left before you answered: nothing was shared",
                     sanitize_display_text(question.engineer_name), sanitize_display_text(question.peer_address, 64));
}

std::string session_text(const SessionInfo& info) {
  return fmt::format("Session active: {} from {} can {}", sanitize_display_text(info.engineer_name),
                     sanitize_display_text(info.peer_address, 64), describe_permissions(info.permissions));
}

std::string format_countdown(std::chrono::seconds remaining) {
  const long long s = remaining.count() < 0 ? 0 : remaining.count();
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace elfdesk::host
