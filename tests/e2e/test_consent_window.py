"""The customer's consent window on a real (private) X display: it is drawn, titled "elfdesk", shows the
engineer's request, and its buttons work when clicked with xdotool: Allow admits the engineer, End
session ends the session ("ended by the customer"), Deny declines (exit 12). Needs Xvfb, xdotool and
ImageMagick."""
import os
import re
import shutil
import subprocess
import time
import unittest

from elfdesk_e2e import CONSENT_BUTTONS, CLIENT_BIN, EXIT_DECLINED, EXIT_OK, Host, Xvfb, find_window, wait_until

# host/ui/consent_view.cpp consent_button_rect(): window-relative {x, y, width, height}; End session is on
# the session bar (kSessionBarWidth 720).
BUTTONS = CONSENT_BUTTONS
ARM_DELAY = 0.6  # SdlConsentWindow::kArmDelay: Allow ignores clicks this long after the question appears




@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("import"),
                     "needs Xvfb, xdotool and ImageMagick")
class ConsentWindowTest(unittest.TestCase):
    def setUp(self):
        self.x = self.enterContext(Xvfb(1024, 768))
        self.host = Host("--consent", "ask", "--ui", "window", display=self.x.display, env=self.x.env())
        self.addCleanup(self.host.stop)
        self.window = wait_until(self.find_window)
        self.assertTrue(self.window, "no window named elfdesk\n" + self.host.stderr())

    def find_window(self):
        return find_window(self.x.display, "elfdesk", timeout=1)

    def window_origin(self):
        out = self.x.run("xdotool", "getwindowgeometry", self.window).stdout
        m = re.search(r"Position:\s*(-?\d+),(-?\d+)", out)
        self.assertIsNotNone(m, out)
        return int(m.group(1)), int(m.group(2))

    def click(self, button):
        x, y, w, h = BUTTONS[button]
        ox, oy = self.window_origin()
        self.x.run("xdotool", "mousemove", str(ox + x + w // 2), str(oy + y + h // 2), "click", "1")

    def screen_stddev(self):
        """Standard deviation of the root window's grey levels (0 for a blank screen)."""
        path = os.path.join(self.host.dir, "root.png")
        self.x.run("import", "-window", "root", path)
        out = self.x.run("convert", path, "-colorspace", "Gray", "-format", "%[fx:standard_deviation]", "info:").stdout
        return float(out.strip())

    def engineer(self, *args):
        proc = subprocess.Popen([CLIENT_BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        return proc

    def wait_for_question(self):
        self.assertTrue(self.host.wait_for_output(r"wants to "), self.host.stdout())
        time.sleep(ARM_DELAY + 0.6)  # the question is drawn and Allow is armed

    def test_window_is_drawn_allow_then_end_session(self):
        # The window may be mapped a moment before its first frame is drawn.
        self.assertTrue(wait_until(lambda: self.screen_stddev() > 0.01, timeout=10), "the screen stays blank")
        shot = os.path.join(self.host.dir, "shot.png")
        proc = self.engineer("screenshot", self.host.address, "--code", self.host.code(), "--out", shot,
                             "--wait-still", "60000")
        self.wait_for_question()
        self.click("allow")
        self.assertTrue(self.host.wait_for_output(r"session started with"), self.host.stdout())
        self.assertTrue(wait_until(lambda: any(e["event"] == "session_start" for e in self.host.audit())))
        time.sleep(0.5)  # the window switches to the session screen
        self.click("end_session")
        out, err = proc.communicate(timeout=15)
        self.assertNotEqual(proc.returncode, EXIT_OK)
        self.assertIn("ended by the customer", err)
        consent = [e for e in self.host.audit() if e["event"] == "consent"]
        self.assertEqual([(e["decision"], e["how"]) for e in consent], [("allowed", "asked the customer")])
        ended = wait_until(lambda: [e for e in self.host.audit() if e["event"] == "session_end"])
        self.assertEqual(ended[0]["reason"], "ended by the customer")
        self.assertIsNone(self.host.proc.poll())

    def test_deny_by_click(self):
        proc = self.engineer("diag", self.host.address, "--code", self.host.code(), "--probe", "time")
        self.wait_for_question()
        self.click("deny")
        out, err = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, EXIT_DECLINED, err)
        self.assertIn("declined by the customer", err)
        decisions = [e["decision"] for e in self.host.audit() if e["event"] == "consent"]
        self.assertEqual(decisions, ["denied"])
        self.assertIsNone(self.host.proc.poll())

    def test_engineer_who_gives_up_takes_the_question_away(self):
        # Seen by hand: the engineer pressed Ctrl-C while the customer was asked; the question stayed up for
        # the whole minute (Allow admitted nobody) and the next engineer was told "host busy".
        proc = self.engineer("diag", self.host.address, "--code", self.host.code(), "--probe", "time")
        self.wait_for_question()
        gave_up = time.monotonic()
        proc.kill()
        proc.wait()
        self.assertTrue(self.host.wait_for_output(r"\S+ \(\S+\) left before you answered: nothing was shared",
                                                  timeout=30), self.host.stdout())
        self.assertLess(time.monotonic() - gave_up, 30)  # well before the minute's --consent-timeout
        consent = [e for e in self.host.audit() if e["event"] == "consent"]
        self.assertEqual([(e["decision"], e["how"]) for e in consent], [("timed_out", "the engineer left")])
        self.assertIsNone(self.host.proc.poll())


if __name__ == "__main__":
    unittest.main()
