// The words the customer reads, shared by every ConsentUi implementation, and the sanitising of
// untrusted text (engineer names come from the network) before it reaches a screen or a terminal.
// Pure functions, any thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

inline constexpr std::size_t kMaxDisplayNameChars = 48;

// Valid UTF-8 without control characters (C0, DEL, C1, so no terminal escapes) and without bidi
// overrides/isolates (no reordering tricks); invalid bytes become U+FFFD; longer text is cut to
// max_chars code points with a trailing "…". An empty result becomes "(unnamed)".
std::string sanitize_display_text(std::string_view text, std::size_t max_chars = kMaxDisplayNameChars);

// Everything the permissions let the engineer do, as one clause after "wants to" / "can":
// "view your screen, control your keyboard and mouse, copy and paste through your clipboard (both ways) and
// run read-only diagnostics (...)". Without kView it never says "view" (a diagnostics-only connection).
std::string describe_permissions(std::uint32_t permissions, bool local_net_checks = false);
// The same clauses one by one (one line each in the window); empty for no permission.
std::vector<std::string> permission_clauses(std::uint32_t permissions, bool local_net_checks = false);

// The same in a word or two each, for the session bar's one line: "screen, keyboard and mouse, diagnostics".
// The bar is 720 pixels wide; the clauses of a full session shrank to a few pixels high there.
std::string permission_words(std::uint32_t permissions);

// "Alice (from 203.0.113.7:51234) wants to view your screen and control your keyboard and mouse"
std::string question_text(const ConsentQuestion& question);

// "Session active: Alice from 203.0.113.7:51234 can view your screen"
std::string session_text(const SessionInfo& info);

// "The request from Alice (203.0.113.7:51234) timed out: nobody answered, so nothing was shared."
std::string timeout_text(const ConsentQuestion& question);

// "Alice (203.0.113.7:51234) left before you answered: nothing was shared"
std::string left_text(const ConsentQuestion& question);

// "4:59" for 299 s; "0:00" when expired.
std::string format_countdown(std::chrono::seconds remaining);

}  // namespace elfdesk::host
