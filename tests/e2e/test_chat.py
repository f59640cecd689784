"""Chat both ways through the real windows: the engineer's line (`elfdesk chat --session` over the running
viewer's control socket) appears in the customer's elfdesk window (the session bar grows and draws it; the
host audits it); the customer clicks the bar's input field, types an answer and presses Enter, and it
reaches the engineer's transcript (`--transcript`, `elfdesk chat --show`). Bad text is a usage error, a
flood is rate-limited."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import CLIENT_BIN, Host, Xvfb, elfdesk, find_window, png_crop, png_rgb, wait_until, x_run

BAR_W, BAR_H, CHAT_BAR_H = 720, 44, 44 + 8 + 4 * 18 + 38  # host/ui/consent_view.hpp
CHAT_INPUT = (8, CHAT_BAR_H - 36, BAR_W - 16, 30)


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("import"),
                     "needs Xvfb, xdotool and ImageMagick")
class ChatTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-chat-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = self.enterContext(Xvfb(1024, 768))
        self.b = self.enterContext(Xvfb(1024, 768))
        self.host = Host("--consent", "accept", "--ui", "window", display=self.a.display, env=self.a.env())
        self.addCleanup(self.host.stop)
        self.socket = os.path.join(self.dir, "view.sock")
        self.transcript = os.path.join(self.dir, "transcript.txt")
        err = open(os.path.join(self.dir, "viewer.err"), "w")
        self.addCleanup(err.close)
        viewer = subprocess.Popen([CLIENT_BIN, "view", self.host.address, "--code", self.host.code(),
                                   "--control-socket", self.socket, "--transcript", self.transcript],
                                  env=self.b.env(), cwd=self.dir, stdout=subprocess.DEVNULL, stderr=err)
        self.addCleanup(lambda: (viewer.terminate(), viewer.wait()))
        self.viewer = viewer
        self.assertTrue(wait_until(lambda: any(e["event"] == "session_start" for e in self.host.audit()) and
                                   os.path.exists(self.socket), timeout=20))
        self.bar = find_window(self.a.display, "elfdesk", timeout=15)
        self.assertTrue(self.bar)

    def geometry(self):
        out = x_run(self.a.display, "xdotool", "getwindowgeometry", self.bar).stdout
        x, y = map(int, re.search(r"Position:\s*(-?\d+),(-?\d+)", out).groups())
        w, h = map(int, re.search(r"Geometry:\s*(\d+)x(\d+)", out).groups())
        return x, y, w, h

    def area_pixels(self, x, y, w, h):
        """The customer's screen pixels of a rectangle inside the bar (window-relative)."""
        ox, oy, _, _ = self.geometry()
        shot = os.path.join(self.dir, "screen.png")
        x_run(self.a.display, "import", "-window", "root", "PNG24:" + shot)
        return png_rgb(png_crop(shot, os.path.join(self.dir, "area.png"), ox + x, oy + y, w, h))

    def chat_events(self):
        return [(e["from"], e["text"]) for e in self.host.audit() if e["event"] == "chat"]

    def test_chat_both_ways_through_the_windows(self):
        self.assertTrue(wait_until(lambda: self.geometry()[3] == BAR_H), self.geometry())
        r = elfdesk("chat", "--session", self.socket, "Hello from the engineer")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(lambda: ("engineer", "Hello from the engineer") in self.chat_events()))
        # The bar grows and draws the line: the first chat row is no longer one flat colour.
        self.assertTrue(wait_until(lambda: self.geometry()[3] == CHAT_BAR_H, timeout=10), self.geometry())
        row = wait_until(lambda: len(set(self.area_pixels(10, BAR_H + 4, 400, 16))) > 3 and
                         self.area_pixels(10, BAR_H + 4, 400, 16), timeout=10)
        self.assertTrue(row, "the chat line was not drawn")
        # The customer answers in their window: click the field, type, Enter.
        ox, oy, _, _ = self.geometry()
        x, y, w, h = CHAT_INPUT
        x_run(self.a.display, "xdotool", "mousemove", str(ox + x + 40), str(oy + y + h // 2), "click", "1")
        # Typing mode draws the field's border in the focus colour (consent_view.cpp kFocus).
        typing = wait_until(lambda: tuple(self.area_pixels(x, y, 1, 1)[:3]) == (25, 118, 210), timeout=10)
        self.assertTrue(typing, "clicking the chat field did not start typing")
        x_run(self.a.display, "xdotool", "type", "--delay", "20", "Hi from the customer")
        x_run(self.a.display, "xdotool", "key", "Return")
        self.assertTrue(wait_until(lambda: ("customer", "Hi from the customer") in self.chat_events()),
                        self.chat_events())

        def transcript():
            with open(self.transcript) as f:
                return f.read()
        self.assertTrue(wait_until(lambda: "customer: Hi from the customer" in transcript()), transcript())
        shown = elfdesk("chat", "--session", self.socket, "--show")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        lines = shown.stdout.splitlines()
        self.assertRegex(lines[0], r"^\d\d:\d\d:\d\d engineer: Hello from the engineer$")
        self.assertRegex(lines[1], r"^\d\d:\d\d:\d\d customer: Hi from the customer$")
        saved = os.path.join(self.dir, "saved.txt")
        self.assertEqual(elfdesk("chat", "--session", self.socket, "--save", saved).returncode, 0)
        with open(saved) as f:
            self.assertEqual(f.read().splitlines(), lines)
        # A relative FILE is where the engineer runs the command, not where the viewer was started (seen
        # by hand: exit 0, and the transcript in the viewer's directory).
        elsewhere = os.path.join(self.dir, "elsewhere")
        os.mkdir(elsewhere)
        r = subprocess.run([CLIENT_BIN, "chat", "--session", self.socket, "--save", "relative.txt"], cwd=elsewhere,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(elsewhere, "relative.txt")) as f:
            self.assertEqual(f.read().splitlines(), lines)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "relative.txt")))

    def test_engineer_types_in_the_viewers_chat_panel(self):
        viewer = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(viewer)
        self.assertTrue(wait_until(lambda: "connected" in x_run(self.b.display, "xdotool", "getwindowname", viewer,
                                                                check=False).stdout, timeout=20))
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", viewer)
        x_run(self.b.display, "xdotool", "key", "ctrl+alt+c")
        x_run(self.b.display, "xdotool", "type", "--delay", "20", "typed in the viewer")
        x_run(self.b.display, "xdotool", "key", "Return")
        self.assertTrue(wait_until(lambda: ("engineer", "typed in the viewer") in self.chat_events()), self.chat_events())
        x_run(self.b.display, "xdotool", "key", "Escape")  # closes the panel; keys go to the customer again
        self.assertTrue(wait_until(lambda: self.geometry()[3] == CHAT_BAR_H, timeout=10))
        self.viewer.terminate()
        self.viewer.wait(10)
        final = wait_until(lambda: [e for e in self.host.audit() if e["event"] == "input_activity" and e["final"]])
        self.assertTrue(final)
        typed = sum(e["text_chars"] for e in self.host.audit() if e["event"] == "input_activity")
        self.assertEqual(typed, 0, "text typed into the chat panel reached the customer's desktop")

    def test_the_transcript_carries_the_sessions_findings(self):
        viewer = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(viewer)
        self.assertTrue(wait_until(lambda: "connected" in x_run(self.b.display, "xdotool", "getwindowname", viewer,
                                                                check=False).stdout, timeout=20))
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", viewer, "key", "--clearmodifiers", "ctrl+alt+d")

        def transcript():
            with open(self.transcript) as f:
                return f.read()
        line = wait_until(lambda: re.search(r"^\d\d:\d\d:\d\d elfdesk: findings: (\S+): .* \(report saved to "
                                            r"(elfdesk-triage-\S+\.json)\)$", transcript(), re.M), timeout=30)
        self.assertTrue(line, transcript())
        self.assertIn(line.group(1), ("ok", "warning", "critical", "unknown"))
        self.assertTrue(os.path.exists(os.path.join(self.dir, line.group(2))))
        self.assertFalse([e for e in self.host.audit() if e["event"] == "chat"])  # a note, never sent

    def test_bad_text_and_floods(self):
        self.assertEqual(elfdesk("chat", "--session", self.socket, "   ").returncode, 2)
        empty = elfdesk("chat", "--session", self.socket, "")  # seen by hand: "unknown request: expected calls, ..."
        self.assertEqual((empty.returncode, empty.stderr), (2, "elfdesk chat: empty chat message\n"))
        self.assertEqual(elfdesk("chat", "--session", self.socket, "x" * 1001).returncode, 2)
        self.assertEqual(elfdesk("chat", "--session", os.path.join(self.dir, "none.sock"), "hi").returncode, 10)
        # Eight scripts at once, so that they arrive within the burst's second however long each takes to
        # start (one after another under ASan, each start took long enough for the limit to refill).
        flood = [subprocess.Popen([CLIENT_BIN, "chat", "--session", self.socket, f"line {i}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(8)]
        codes = [p.wait(30) for p in flood]
        self.assertGreaterEqual(codes.count(0), 5, codes)  # a burst of five goes through
        self.assertIn(4, codes)                             # then one a second at most
        self.assertEqual(set(codes), {0, 4}, codes)
        sent = wait_until(lambda: len([e for e in self.chat_events() if e[0] == "engineer"]) >= codes.count(0) and
                          self.chat_events())
        self.assertEqual(sorted(t for f, t in sent if f == "engineer"),
                         sorted(f"line {i}" for i, c in enumerate(codes) if c == 0))


if __name__ == "__main__":
    unittest.main()
