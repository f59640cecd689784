"""The viewer's diagnostics panel, driven as an engineer would: Ctrl+Alt+D typed into the `elfdesk view` window
(Xvfb display B) runs triage on the customer's machine (elfdesk-host on display A), shows the findings over
the picture, saves them as JSON beside the viewer, and Ctrl+Alt+D again closes the panel; the session goes on."""
import glob
import json
import os
import shutil
import tempfile
import unittest

from elfdesk_e2e import (Host, Viewer, Xvfb, find_window, grab_window, hide_cursor, make_test_picture, paint_root,
                         png_crop, psnr, wait_until, x_run)

HOST_W, HOST_H = 800, 600
SEVERITIES = {"ok", "info", "warning", "critical", "unknown"}


class ViewerPanelTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-panel-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = Xvfb(HOST_W, HOST_H).__enter__()
        self.addCleanup(self.a.__exit__, None, None, None)
        self.b = Xvfb(1024, 768).__enter__()
        self.addCleanup(self.b.__exit__, None, None, None)
        hide_cursor(self.a.display)
        paint_root(self.a.display, make_test_picture(os.path.join(self.dir, "picture.png"), HOST_W, HOST_H, "panel"))
        self.host = Host("--consent", "accept", "--ui", "none", display=self.a.display)
        self.addCleanup(self.host.stop)
        self.viewer = Viewer(self.host, self.b.display, "--scale", "1:1")
        self.addCleanup(self.viewer.stop)
        self.window = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(self.window, "no viewer window: " + self.viewer.stderr())
        x_run(self.b.display, "xdotool", "windowmove", "--sync", self.window, "0", "0", "windowsize", "--sync",
              self.window, str(HOST_W), str(HOST_H))

    def centre(self, name):
        """The middle of the viewer window, where the panel appears."""
        shot = grab_window(self.b.display, os.path.join(self.dir, name + "-window.png"), self.window)
        return png_crop(shot, os.path.join(self.dir, name + ".png"), HOST_W // 4, HOST_H // 4, HOST_W // 2, HOST_H // 2)

    def press_ctrl_alt_d(self):
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", self.window, "key", "--clearmodifiers", "ctrl+alt+d")

    def test_ctrl_alt_d_runs_triage_shows_and_saves_it_and_closes_again(self):
        reference = os.path.join(self.dir, "host.png")
        png_crop(grab_window(self.a.display, os.path.join(self.dir, "host-full.png")), reference,
                 HOST_W // 4, HOST_H // 4, HOST_W // 2, HOST_H // 2)
        self.assertTrue(wait_until(lambda: psnr(reference, self.centre("before")) >= 35, timeout=20),
                        "the viewer never showed the host's screen: " + self.viewer.stderr())

        self.press_ctrl_alt_d()
        saved = []
        self.assertTrue(wait_until(lambda: saved.extend(glob.glob(os.path.join(self.viewer.dir,
                                                                               "elfdesk-triage-*.json"))) or saved,
                                   timeout=30), "no triage JSON saved: " + self.viewer.stderr())
        with open(saved[0]) as f:
            report = json.load(f)
        self.assertEqual(report["probe"], "triage", report)
        self.assertIn(report["worst"], SEVERITIES)
        self.assertTrue(report["findings"], report)
        for finding in report["findings"]:
            self.assertIn(finding["severity"], SEVERITIES)
            self.assertTrue(finding["reason"], finding)
        # The panel covers the middle of the picture while it is open...
        self.assertTrue(wait_until(lambda: psnr(reference, self.centre("panel")) < 20, timeout=10),
                        "no panel over the picture")
        probes = [e for e in self.host.audit() if e["event"] == "probe"]
        self.assertIn("triage", [e.get("probe") for e in probes])

        # ...and the picture is back once it is closed; the session is still live.
        self.press_ctrl_alt_d()
        self.assertTrue(wait_until(lambda: psnr(reference, self.centre("after")) >= 35, timeout=10),
                        "the panel did not close")
        self.assertIsNone(self.viewer.proc.poll(), "the viewer stopped: " + self.viewer.stderr())
        self.assertNotIn("session_end", [e["event"] for e in self.host.audit()])


if __name__ == "__main__":
    unittest.main()
