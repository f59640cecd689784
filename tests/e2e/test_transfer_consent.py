"""The customer approves each transfer in their own window: with `--consent ask` on a real X display,
`elfdesk files push` is first let in (Allow clicked with xdotool), then the transfer question shows the
file's name and size; Allow saves it to the download folder, Deny exits 12 and writes nothing. Both
decisions are audited."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import CONSENT_BUTTONS, CLIENT_BIN, Host, Xvfb, find_window, wait_until

BUTTONS = CONSENT_BUTTONS
ARM_DELAY = 0.6


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool"), "needs Xvfb and xdotool")
class TransferConsentTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-tconsent-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.downloads = os.path.join(self.dir, "dl")
        os.mkdir(self.downloads)
        self.x = self.enterContext(Xvfb(1024, 768))
        self.host = Host("--consent", "ask", "--ui", "window", "--download-dir", self.downloads,
                         display=self.x.display, env=self.x.env())
        self.addCleanup(self.host.stop)
        self.answered = {}
        self.window = find_window(self.x.display, "elfdesk", timeout=15)
        self.assertTrue(self.window, self.host.stderr())

    def click(self, button):
        x, y, w, h = BUTTONS[button]
        out = self.x.run("xdotool", "getwindowgeometry", self.window).stdout
        ox, oy = map(int, re.search(r"Position:\s*(-?\d+),(-?\d+)", out).groups())
        self.x.run("xdotool", "mousemove", str(ox + x + w // 2), str(oy + y + h // 2), "click", "1")

    def answer(self, pattern, button):
        """Clicks `button` once the question matching `pattern` is asked once more than answered so far."""
        self.answered[pattern] = self.answered.get(pattern, 0) + 1
        asked = wait_until(lambda: len(re.findall(pattern, self.host.stdout())) >= self.answered[pattern])
        self.assertTrue(asked, self.host.stdout())
        time.sleep(ARM_DELAY + 0.6)  # drawn, Allow armed, the window moved to the middle
        self.click(button)

    def push(self, local, answer):
        proc = subprocess.Popen([CLIENT_BIN, "files", "push", self.host.address, "--code", self.host.code(), local,
                                 "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        self.answer(r"wants to send and receive files", "allow")
        self.answer(r'wants to send you the file "report\.pdf" \(2\.0 kB\)', answer)
        out, err = proc.communicate(timeout=30)
        return proc.returncode, out, err

    def test_allow_then_deny_a_pushed_file(self):
        local = os.path.join(self.dir, "report.pdf")
        with open(local, "wb") as f:
            f.write(os.urandom(2000))
        code, out, err = self.push(local, "allow")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split()[2], os.path.join(self.downloads, "report.pdf"))
        with open(local, "rb") as a, open(os.path.join(self.downloads, "report.pdf"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertTrue(self.host.wait_for_output(r"received .*report\.pdf \(2\.0 kB\) from the engineer"), self.host.stdout())
        # The next session needs the next code: issued once this session has ended.
        self.assertTrue(wait_until(lambda: [e for e in self.host.audit() if e["event"] == "code_issued"][1:]))
        code, out, err = self.push(local, "deny")
        self.assertEqual(code, 12, err)
        self.assertEqual(err, "elfdesk: declined by the customer\n")  # as a declined session; was "declined: declined ..."
        self.assertEqual(os.listdir(self.downloads), ["report.pdf"])
        decisions = [(e["decision"], e["how"]) for e in self.host.audit() if e["event"] == "transfer_consent"]
        self.assertEqual(decisions, [("allowed", "asked the customer"), ("denied", "asked the customer")])


if __name__ == "__main__":
    unittest.main()
