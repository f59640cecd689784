"""The viewer's menu through the real relay, driven with xdotool as a user would: F8, the arrow keys to a
monitor of the host (a 2560x800 Xvfb split into two RandR monitors, LEFT red and RIGHT blue), Enter; the
window then shows that monitor (by pixels), the host audits the switch, and the menu's "All monitors"
brings back both halves. The direct-session cases are in test_monitors.py and test_viewer_ui.py."""
import os
import shutil
import tempfile
import unittest

from elfdesk_e2e import (SPLIT_BLUE, SPLIT_H, SPLIT_RED, SPLIT_W, Xvfb, find_window, grab_window, hide_cursor,
                         png_crop, png_rgb, split_monitors, wait_until, x_run)
from relay_e2e import RELAY_BIN, Pki, Relay, RelayHost
from test_viewer_host_key import HOST_ARGS, RelayViewer

RED, BLUE = SPLIT_RED, SPLIT_BLUE
FIRST_MONITOR_ROW = 6  # viewer_menu.cpp: four Send items, keyboard grab, "All monitors", then each monitor


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool") and os.path.exists(RELAY_BIN),
                     "needs Xvfb, xdotool and elfdesk-relay")
class RelayViewerMenuTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-relay-menu-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.pki = Pki(self.dir)
        self.relay = Relay(self.pki)
        self.addCleanup(self.relay.stop)
        self.a = self.enterContext(Xvfb(SPLIT_W, SPLIT_H))
        self.b = self.enterContext(Xvfb(1440, 900))
        hide_cursor(self.a.display)
        self.monitors = split_monitors(self.a.display, self.dir)

    def pixel(self, window, x, y):
        shot = grab_window(self.b.display, os.path.join(self.dir, "window.png"), window)
        return tuple(png_rgb(png_crop(shot, os.path.join(self.dir, "px.png"), x, y, 1, 1))[:3])

    def shows(self, window, x, y, colour):
        return wait_until(lambda: all(abs(a - b) <= 24 for a, b in zip(self.pixel(window, x, y), colour)),
                          timeout=15, interval=0.2)

    def menu(self, window, row):
        """F8, Down to `row` (the menu opens on the first row), Enter."""
        keys = ["F8"] + ["Down"] * row + ["Return"]
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", *keys)

    def test_the_menu_switches_the_monitor_through_the_relay(self):
        right = self.monitors["RIGHT"]
        host = RelayHost(self.relay.address, self.pki.ca, *HOST_ARGS, display=self.a.display)
        self.addCleanup(host.stop)
        viewer = RelayViewer(host.code(), self.relay.address, self.pki.ca, self.b.display,
                             dict(os.environ, XDG_STATE_HOME=os.path.join(self.dir, "state"), ELFDESK_LOG="info"))
        self.addCleanup(viewer.stop)
        window = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(window, viewer.stderr())
        x_run(self.b.display, "xdotool", "windowmove", "--sync", window, "0", "0", "windowsize", "--sync", window,
              "1280", "720", "mousemove", "600", "400")
        title = lambda: x_run(self.b.display, "xdotool", "getwindowname", window, check=False).stdout
        self.assertTrue(wait_until(lambda: "connected" in title(), timeout=20), title() + viewer.stderr())
        # All monitors, fitted: red on the left, blue on the right (the window's middle row).
        self.assertTrue(self.shows(window, 200, 300, RED) and self.shows(window, 1000, 300, BLUE),
                        viewer.stderr() + host.stderr())
        self.menu(window, FIRST_MONITOR_ROW + right)
        self.assertTrue(self.shows(window, 200, 300, BLUE) and self.shows(window, 1000, 300, BLUE),
                        "the menu did not switch to RIGHT: " + viewer.stderr() + host.stderr())
        self.assertTrue(wait_until(lambda: host.events("monitor_switch"), timeout=10), host.audit())
        self.assertEqual(host.events("monitor_switch")[-1]["monitor"], f"{right} RIGHT 1280x800")
        self.menu(window, FIRST_MONITOR_ROW - 1)  # All monitors
        self.assertTrue(self.shows(window, 200, 300, RED) and self.shows(window, 1000, 300, BLUE),
                        "the menu did not switch back to all: " + viewer.stderr())


if __name__ == "__main__":
    unittest.main()
