#include <doctest/doctest.h>

#include "host/ui/display_text.hpp"
#include "protocol/messages.hpp"

using namespace elfdesk::host;
namespace perm = elfdesk::protocol::permission;

TEST_CASE("sanitize_display_text removes terminal escapes, controls and bidi overrides") {
  CHECK(sanitize_display_text("Alice\x1b[2J\x1b]0;pwned\x07") == "Alice [2J ]0;pwned");
  CHECK(sanitize_display_text("Bob\r\nSmith\t") == "Bob Smith");
  CHECK(sanitize_display_text("evil\u202Egpj.exe") == "evil gpj.exe");
  CHECK(sanitize_display_text("\xC2\x9B" "31m") == "31m");  // C1 CSI
  CHECK(sanitize_display_text("") == "(unnamed)");
  CHECK(sanitize_display_text(" \x01 ") == "(unnamed)");
}

TEST_CASE("sanitize_display_text keeps valid UTF-8 and repairs invalid bytes") {
  CHECK(sanitize_display_text("J\u00fcrgen \u5f20\u4f1f") == "J\u00fcrgen \u5f20\u4f1f");
  CHECK(sanitize_display_text("a\xff" "b") == "a\uFFFDb");
  CHECK(sanitize_display_text("\xC0\xAF") == "\uFFFD");  // overlong "/"
  CHECK(sanitize_display_text("\xED\xA0\x80") == "\uFFFD");    // surrogate
}

TEST_CASE("sanitize_display_text cuts long text at code points") {
  CHECK(sanitize_display_text("abcdef", 3) == "abc\u2026");
  CHECK(sanitize_display_text("\u00e9\u00e9\u00e9\u00e9", 2) == "\u00e9\u00e9\u2026");
  CHECK(sanitize_display_text("abc", 3) == "abc");
}

TEST_CASE("permissions and sentences read naturally") {
  CHECK(describe_permissions(perm::kView) == "view");
  CHECK(describe_permissions(perm::kView | perm::kControl) == "view and control");
  CHECK(describe_permissions(perm::kView | perm::kControl | perm::kClipboard | perm::kProbes) ==
        "view and control, use the clipboard and run diagnostics");
  CHECK(describe_permissions(0) == "do nothing yet");
  CHECK(question_text({"Alice", "203.0.113.7:5000", false}) ==
        "Alice (from 203.0.113.7:5000) wants to view and control this computer");
  CHECK(question_text({"Alice", "203.0.113.7:5000", true}) ==
        "Alice (from 203.0.113.7:5000) wants to view this computer");
  CHECK(session_text({"Alice", "[::1]:7", perm::kView | perm::kControl}) ==
        "Session active: Alice from [::1]:7 can view and control");
  CHECK(format_countdown(std::chrono::seconds(299)) == "4:59");
  CHECK(format_countdown(std::chrono::seconds(-3)) == "0:00");
}
