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

TEST_CASE("the question lists everything the engineer could do, and diagnostics alone never say view") {
  const std::string probes_public =
      "run read-only diagnostics (system, processes, services, logs, disks; network checks to public addresses only)";
  const std::uint32_t full = perm::kView | perm::kControl | perm::kClipboard | perm::kProbes;
  CHECK(describe_permissions(full) ==
        "view your screen, control your keyboard and mouse, copy and paste through your clipboard (both ways) and " +
            probes_public);
  CHECK(question_text({"Alice", "203.0.113.7:5000", full}) ==
        "Alice (from 203.0.113.7:5000) wants to view your screen, control your keyboard and mouse, copy and paste "
        "through your clipboard (both ways) and " + probes_public);
  // view-only: what `elfdesk view --view-only` is granted (view and, as asked, diagnostics)
  CHECK(question_text({"Bob", "10.0.0.1:1", perm::kView}) == "Bob (from 10.0.0.1:1) wants to view your screen");
  CHECK(describe_permissions(perm::kView | perm::kProbes) == "view your screen and " + probes_public);
  // diagnostics only (`elfdesk diag`): never "view"
  const std::string diag = question_text({"Carol", "10.0.0.2:2", perm::kProbes});
  CHECK(diag == "Carol (from 10.0.0.2:2) wants to " + probes_public);
  CHECK(diag.find("view") == std::string::npos);
  CHECK(describe_permissions(perm::kProbes, true) ==
        "run read-only diagnostics (system, processes, services, logs, disks; network checks may reach this "
        "computer and your local network)");
  CHECK(permission_clauses(full).size() == 4);
  CHECK(permission_clauses(0).empty());
  CHECK(describe_permissions(0) == "do nothing yet");
  // The session bar's one line: a word or two each (the clauses of a full session shrank unreadably there).
  CHECK(permission_words(full) == "screen, keyboard and mouse, clipboard, diagnostics");
  CHECK(permission_words(perm::kProbes) == "diagnostics");
  CHECK(permission_words(0) == "nothing yet");
  CHECK(session_text({"Alice", "[::1]:7", perm::kView | perm::kControl}) ==
        "Session active: Alice from [::1]:7 can view your screen and control your keyboard and mouse");
  CHECK(timeout_text({"Alice\x1b[2J", "203.0.113.7:5000", full}) ==
        "The request from Alice [2J (203.0.113.7:5000) timed out: nobody answered, so nothing was shared");
  CHECK(left_text({"Alice\x1b[2J", "203.0.113.7:5000", full}) ==
        "Alice [2J (203.0.113.7:5000) left before you answered: nothing was shared");
  CHECK(format_countdown(std::chrono::seconds(299)) == "4:59");
  CHECK(format_countdown(std::chrono::seconds(-3)) == "0:00");
}

TEST_CASE("remedies: one clause at the start, then each request in its own words, sanitised") {
  CHECK(permission_clauses(perm::kRemedies) == std::vector<std::string>{"propose fixes (you approve each one)"});
  ConsentQuestion q{"Alice\x1b[31m", "203.0.113.7:5000", 0, false, "delete 1.2 GB in your Trash (412 files)"};
  CHECK(question_text(q) == "Alice [31m (from 203.0.113.7:5000) wants to delete 1.2 GB in your Trash (412 files)");
  q.request = "stop \"yes\" (process 42)\n\u202Eevil";
  CHECK(question_text(q).ends_with("wants to stop \"yes\" (process 42) evil"));
}
