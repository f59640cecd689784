"""The host's monitor chosen at run time (issue 15): a 2560x800 Xvfb split into two RandR monitors (LEFT red,
RIGHT blue, `xrandr --setmonitor`), a real `elfdesk view` on another Xvfb, switched through its control
socket. The viewer's window (grabbed by pixels) shows the chosen monitor, a click lands on that monitor at
the place clicked, "all" brings back the full width, and a monitor removed while shown falls back to all
without ending the session. The host audits each switch."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from elfdesk_e2e import (CLIENT_BIN, SPLIT_BLUE, SPLIT_H, SPLIT_RED, SPLIT_W, Host, Viewer, Xvfb, find_window,
                         grab_window, hide_cursor, png_crop, png_rgb, split_monitors, viewer_control, wait_until, x_run)

RED, BLUE = SPLIT_RED, SPLIT_BLUE
WINDOW_W, WINDOW_H = 1280, 720


class MonitorTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-monitors-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = self.enterContext(Xvfb(SPLIT_W, SPLIT_H))
        self.b = self.enterContext(Xvfb(1440, 900))
        hide_cursor(self.a.display)
        split_monitors(self.a.display, self.dir)
        self.host = Host("--consent", "accept", "--ui", "none", display=self.a.display)
        self.addCleanup(self.host.stop)
        self.socket = os.path.join(self.dir, "view.sock")
        self.viewer = Viewer(self.host, self.b.display, "--control-socket", self.socket)
        self.addCleanup(self.viewer.stop)
        self.window = find_window(self.b.display, "^elfdesk$", by="classname", timeout=20)
        self.assertTrue(self.window, self.viewer.stderr())
        x_run(self.b.display, "xdotool", "windowmove", "--sync", self.window, "0", "0", "windowsize", "--sync",
              self.window, str(WINDOW_W), str(WINDOW_H))
        self.assertTrue(wait_until(lambda: os.path.exists(self.socket) and "monitors" in self.ask({"monitors": True}),
                                   timeout=20), self.viewer.stderr() + self.host.stderr())

    def ask(self, request):
        return viewer_control(self.socket, request)

    def index_of(self, name):
        listed = self.ask({"monitors": True})["monitors"]
        return next(m["index"] for m in listed if m["name"] == name)

    def pixel(self, x, y):
        """The viewer window's colour at window pixel (x, y)."""
        shot = grab_window(self.b.display, os.path.join(self.dir, "window.png"), self.window)
        rgb = png_rgb(png_crop(shot, os.path.join(self.dir, "px.png"), x, y, 1, 1))
        return tuple(rgb[:3])

    def shows(self, x, y, colour):
        return wait_until(lambda: all(abs(a - b) <= 24 for a, b in zip(self.pixel(x, y), colour)), timeout=15,
                          interval=0.2)

    def test_switch_to_one_monitor_click_there_and_back_to_all(self):
        listed = self.ask({"monitors": True})
        names = [m["name"] for m in listed["monitors"]]
        self.assertIn("LEFT", names)
        self.assertIn("RIGHT", names)
        self.assertEqual(listed["selected"], -1)
        right = self.index_of("RIGHT")
        # All: the window's left part shows the red half, its right part the blue one.
        self.assertTrue(self.shows(100, WINDOW_H // 2, RED), self.pixel(100, WINDOW_H // 2))
        self.assertTrue(self.shows(WINDOW_W - 100, WINDOW_H // 2, BLUE))

        answer = self.ask({"monitor": right})
        self.assertEqual(answer["selected"], right, answer)
        # Only RIGHT: blue from edge to edge (fit keeps 1280x800's aspect in 1280x720: 1152 wide, centred).
        self.assertTrue(self.shows(100, WINDOW_H // 2, BLUE), self.pixel(100, WINDOW_H // 2))
        self.assertTrue(self.shows(WINDOW_W - 100, WINDOW_H // 2, BLUE))
        # A click in the middle of the window lands in the middle of RIGHT on the host's screen.
        x_run(self.b.display, "xdotool", "mousemove", "--window", self.window, str(WINDOW_W // 2),
              str(WINDOW_H // 2), "click", "1")

        def host_pointer():
            out = x_run(self.a.display, "xdotool", "getmouselocation").stdout
            x, y = map(int, re.search(r"x:(\d+) y:(\d+)", out).groups())
            return (x, y) if abs(x - 1920) <= 8 and abs(y - 400) <= 8 else None
        self.assertTrue(wait_until(host_pointer, timeout=10),
                        x_run(self.a.display, "xdotool", "getmouselocation").stdout)
        switches = [r for r in self.host.audit() if r.get("event") == "monitor_switch"]
        self.assertTrue(switches and switches[-1]["monitor"] == f"{right} RIGHT 1280x800", switches)
        self.assertEqual(switches[-1]["by"], "engineer")

        # An index the host does not have: the choice stays, the answer says so.
        self.assertEqual(self.ask({"monitor": 9})["selected"], right)
        self.assertEqual(self.ask({"monitor": "nine"})["exit_code"], 2)

        answer = self.ask({"monitor": "all"})
        self.assertEqual(answer["selected"], -1, answer)
        self.assertTrue(self.shows(100, WINDOW_H // 2, RED), self.pixel(100, WINDOW_H // 2))
        self.assertIsNone(self.viewer.proc.poll())

    def test_a_shown_monitor_removed_falls_back_to_all(self):
        right = self.index_of("RIGHT")
        self.assertEqual(self.ask({"monitor": right})["selected"], right)
        self.assertTrue(self.shows(100, WINDOW_H // 2, BLUE))
        x_run(self.a.display, "xrandr", "--delmonitor", "RIGHT")
        self.assertTrue(self.shows(100, WINDOW_H // 2, RED), self.pixel(100, WINDOW_H // 2))
        listed = self.ask({"monitors": True})
        self.assertEqual(listed["selected"], -1)
        self.assertNotIn("RIGHT", [m["name"] for m in listed["monitors"]])
        fallback = [r for r in self.host.audit() if r.get("event") == "monitor_switch" and r["by"] == "monitor removed"]
        self.assertTrue(fallback and fallback[-1]["monitor"] == "all 2560x800", fallback)
        self.assertIsNone(self.viewer.proc.poll())
        self.assertIsNone(self.host.proc.poll())


class StartMonitorTest(unittest.TestCase):
    def test_view_monitor_asks_for_that_monitor_once_the_session_is_up(self):
        tmp = self.enterContext(tempfile.TemporaryDirectory())
        a = self.enterContext(Xvfb(SPLIT_W, SPLIT_H))
        b = self.enterContext(Xvfb(1440, 900))
        right = split_monitors(a.display, tmp)["RIGHT"]
        host = Host("--consent", "accept", "--ui", "none", display=a.display)
        self.addCleanup(host.stop)
        path = os.path.join(tmp, "view.sock")
        viewer = Viewer(host, b.display, "--control-socket", path, "--monitor", str(right))
        self.addCleanup(viewer.stop)
        shown = wait_until(lambda: os.path.exists(path) and
                           viewer_control(path, {"monitors": True}).get("selected") == right, timeout=20)
        self.assertTrue(shown, viewer.stderr() + host.stderr())
        switches = [r for r in host.audit() if r.get("event") == "monitor_switch"]
        self.assertEqual(switches[-1]["monitor"], f"{right} RIGHT 1280x800")
        self.assertEqual(subprocess.run([CLIENT_BIN, "view",
                                         host.address, "--code", "1", "--monitor", "left"],
                                        capture_output=True, text=True, timeout=20).returncode, 2)


if __name__ == "__main__":
    unittest.main()
