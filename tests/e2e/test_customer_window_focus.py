"""The customer's window never takes keyboard focus from the customer's application except while it asks,
and during a session it is a small bar at the top edge. Held-out style, as a customer would run it: openbox
on the customer's Xvfb, a focused xterm, elfdesk-host with its default window; the engineer's `elfdesk view`
on a second Xvfb. The customer clicks Allow; the engineer types through the viewer without anyone clicking
the customer's screen again, and the text arrives in the xterm. Needs Xvfb, openbox, xterm and xdotool."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import CONSENT_BUTTONS, Host, Viewer, Xvfb, find_window, wait_until, window_name, x_run

ALLOW = CONSENT_BUTTONS["allow"]
ARM_DELAY = 0.6              # SdlConsentWindow::kArmDelay
TEXT = "typed by the engineer"


@unittest.skipUnless(all(shutil.which(p) for p in ("Xvfb", "openbox", "xterm", "xdotool")),
                     "needs Xvfb, openbox, xterm and xdotool")
class CustomerWindowFocusTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-focus-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = self.enterContext(Xvfb(1280, 720))   # the customer's screen
        self.b = self.enterContext(Xvfb(1280, 800))   # the engineer's screen
        self.spawn(self.a.display, "openbox", "--sm-disable")
        self.assertTrue(wait_until(lambda: "_NET_SUPPORTING_WM_CHECK(WINDOW)" in
                                   x_run(self.a.display, "xprop", "-root", check=False).stdout, timeout=20),
                        "openbox did not start")

    def spawn(self, display, *cmd):
        env = dict(os.environ, DISPLAY=display, HOME=self.dir, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        proc = subprocess.Popen(list(cmd), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

        def end():
            proc.kill()
            proc.wait()
        self.addCleanup(end)
        return proc

    def focused(self):
        return x_run(self.a.display, "xdotool", "getwindowfocus", check=False).stdout.strip()

    def geometry(self, window):
        out = x_run(self.a.display, "xdotool", "getwindowgeometry", window).stdout
        pos = re.search(r"Position:\s*(-?\d+),(-?\d+)", out)
        size = re.search(r"Geometry:\s*(\d+)x(\d+)", out)
        self.assertTrue(pos and size, out)
        return int(pos.group(1)), int(pos.group(2)), int(size.group(1)), int(size.group(2))

    def test_engineer_types_into_the_customers_focused_xterm(self):
        typed = os.path.join(self.dir, "typed.txt")
        open(typed, "w").close()
        self.spawn(self.a.display, "xterm", "-geometry", "60x8+200+300", "-e", "sh", "-c",
                   f"stty -icanon -echo; exec cat > {typed}")
        term = find_window(self.a.display, "^XTerm$", timeout=20, by="class")
        self.assertIsNotNone(term)
        x_run(self.a.display, "xdotool", "windowactivate", "--sync", term)
        self.assertTrue(wait_until(lambda: self.focused() == term, timeout=10))

        host = Host("--consent", "ask", display=self.a.display, env=self.a.env(HOME=self.dir))
        self.addCleanup(host.stop)
        window = find_window(self.a.display, "elfdesk", timeout=20)
        self.assertIsNotNone(window, host.stderr())
        time.sleep(0.5)  # a window manager focuses a new window right after mapping it, if ever
        self.assertEqual(self.focused(), term, "the customer's window took focus when it appeared")

        viewer = Viewer(host, self.b.display)
        self.addCleanup(viewer.stop)
        self.assertTrue(host.wait_for_output(r"wants to view your screen, control your keyboard and mouse"),
                        host.stdout() + viewer.stderr())
        time.sleep(ARM_DELAY + 0.6)  # the question is drawn and Allow is armed
        wx, wy, _, _ = self.geometry(window)
        x, y, w, h = ALLOW
        x_run(self.a.display, "xdotool", "mousemove", str(wx + x + w // 2), str(wy + y + h // 2), "click", "1")
        self.assertTrue(host.wait_for_output(r"session started with"), host.stdout())

        # The session bar: at the top edge, small, not over the middle of the screen.
        def bar():
            bx, by, bw, bh = self.geometry(window)
            return (bx, by, bw, bh) if by == 0 and bh <= 64 else None
        shape = wait_until(bar, timeout=10)
        self.assertIsNotNone(shape, f"no bar at the top edge: {self.geometry(window)}")
        self.assertLessEqual(shape[3], 64)
        self.assertTrue(wait_until(lambda: self.focused() == term, timeout=10),
                        f"focus stays on {self.focused()}, not the customer's xterm {term}")

        view = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(view, viewer.stderr())
        self.assertTrue(wait_until(lambda: "connected" in (window_name(self.b.display, view) or ""), timeout=20),
                        viewer.stderr())
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", view)
        x_run(self.b.display, "xdotool", "type", "--delay", "40", TEXT)

        def arrived():
            with open(typed) as f:
                return f.read()
        self.assertTrue(wait_until(lambda: arrived() == TEXT, timeout=20), repr(arrived()))
        self.assertEqual(self.focused(), term)


    def allow_after_focus_moved_away(self, *host_env):
        """The question is up, the customer clicks into their xterm, then once on Allow: that one click,
        which also focuses the window, must count. True when the session started."""
        self.spawn(self.a.display, "xterm", "-geometry", "40x6+0+500")
        term = find_window(self.a.display, "^XTerm$", timeout=20, by="class")
        self.assertIsNotNone(term)
        host = Host("--consent", "ask", display=self.a.display, env=self.a.env(HOME=self.dir, **dict(host_env)))
        self.addCleanup(host.stop)
        window = find_window(self.a.display, "elfdesk", timeout=20)
        self.assertIsNotNone(window, host.stderr())
        viewer = Viewer(host, self.b.display)
        self.addCleanup(viewer.stop)
        self.assertTrue(host.wait_for_output(r"wants to view your screen"), host.stdout() + viewer.stderr())
        time.sleep(ARM_DELAY + 0.6)  # the question is drawn and Allow is armed
        x_run(self.a.display, "xdotool", "mousemove", "100", "600", "click", "1")  # into the xterm
        self.assertTrue(wait_until(lambda: self.focused() == term, timeout=10), self.focused())
        wx, wy, _, _ = self.geometry(window)
        x, y, w, h = ALLOW
        x_run(self.a.display, "xdotool", "mousemove", str(wx + x + w // 2), str(wy + y + h // 2), "click", "1")
        return host.wait_for_output(r"session started with", timeout=5)

    def test_first_click_on_allow_counts_when_the_window_was_not_focused(self):
        self.assertTrue(self.allow_after_focus_moved_away())

    def test_the_code_window_moves_by_its_header_and_close_stops_the_host(self):
        """Borderless and never focused, the code's window is moved by its dark header and put away with
        its Close button: the host stops with exit 0 and audits why."""
        host = Host("--consent", "ask", display=self.a.display, env=self.a.env(HOME=self.dir))
        self.addCleanup(host.stop)
        window = find_window(self.a.display, "elfdesk", timeout=20)
        self.assertIsNotNone(window, host.stderr())
        self.assertTrue(wait_until(lambda: self.geometry(window)[3] == 400, timeout=10), self.geometry(window))
        wx, wy, _, _ = self.geometry(window)
        x_run(self.a.display, "xdotool", "mousemove", str(wx + 200), str(wy + 20), "mousedown", "1", "sleep", "0.2",
              "mousemove", str(wx + 100), str(wy - 40), "sleep", "0.2", "mousemove", str(wx), str(wy - 100),
              "sleep", "0.2", "mouseup", "1")
        moved = wait_until(lambda: self.geometry(window)[:2] == (wx - 200, wy - 120), timeout=5)
        self.assertTrue(moved, f"{self.geometry(window)} after dragging the header from {(wx, wy)} by (-200, -120)")
        nx, ny, _, _ = self.geometry(window)
        x, y, w, h = CONSENT_BUTTONS["close"]
        x_run(self.a.display, "xdotool", "mousemove", str(nx + x + w // 2), str(ny + y + h // 2), "click", "1")
        self.assertTrue(wait_until(lambda: host.proc.poll() is not None, timeout=10), host.stdout())
        self.assertEqual(host.proc.returncode, 0, host.stderr())
        self.assertTrue(wait_until(lambda: any(e["event"] == "host_stop" and "window closed" in e["reason"]
                                               for e in host.audit()), timeout=5))


if __name__ == "__main__":
    unittest.main()
