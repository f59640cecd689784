// The words the customer reads, shared by every ConsentUi implementation, and the sanitising of
// untrusted text (engineer names come from the network) before it reaches a screen or a terminal.
// Pure functions, any thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "host/ui/consent_ui.hpp"

namespace elfdesk::host {

inline constexpr std::size_t kMaxDisplayNameChars = 48;

// Valid UTF-8 without control characters (C0, DEL, C1, so no terminal escapes) and without bidi
// overrides/isolates (no reordering tricks); invalid bytes become U+FFFD; longer text is cut to
// max_chars code points with a trailing "…". An empty result becomes "(unnamed)".
std::string sanitize_display_text(std::string_view text, std::size_t max_chars = kMaxDisplayNameChars);

// "view and control", "view", "view and control, use the clipboard and run diagnostics", ...
std::string describe_permissions(std::uint32_t permissions);

// "Alice (from 203.0.113.7:51234) wants to view and control this computer"
std::string question_text(const ConsentQuestion& question);

// "Session active: Alice from 203.0.113.7:51234 can view and control"
std::string session_text(const SessionInfo& info);

// "4:59" for 299 s; "0:00" when expired.
std::string format_countdown(std::chrono::seconds remaining);

}  // namespace elfdesk::host
