"""The viewer engineers enjoy, driven with xdotool as a user would and checked by pixels: fullscreen (F11)
covers the viewer's display with the picture; 1:1 in a smaller window scrolls (Ctrl+Alt+arrows) to show the
host's pixels at the offset, a click lands there on the host, and the pointer at an edge pans (but a pointer
the window moved or shrank under does not); the menu (F8 or its button) is opaque
and its Ctrl+Alt+Del / Alt+Tab reach the host's X server; the triage panel is opaque, in severity colours,
wraps long lines; the scale mode comes back for the same host after a restart."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import (Host, Viewer, Xvfb, find_window, grab_window, hide_cursor, make_test_picture, paint_root,
                         png_crop, png_rgb, png_size, psnr, wait_until, x_run)

HOST_W, HOST_H = 1280, 720
PANEL_BG = (22, 24, 30)       # client/present/text_box.cpp kBackground
HIGHLIGHT = (50, 78, 130)     # kHighlight: the menu's selected row
SEVERITY_RGB = {"critical": (255, 80, 80), "warning": (255, 191, 0), "ok": (80, 220, 100),
                "unknown": (150, 170, 255)}  # client/present/text_line.hpp


def rect_from_log(text, what):
    m = re.findall(what + r" at (-?\d+),(-?\d+) (\d+)x(\d+)", text)
    return tuple(map(int, m[-1])) if m else None


def fraction_exact(path, colours):
    """Share of the picture's pixels that are exactly one of `colours`."""
    raw = png_rgb(path)
    pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    return sum(1 for p in pixels if p in colours) / max(1, len(pixels))


def count_near(path, colour, tolerance=12):
    raw = png_rgb(path)
    return sum(1 for i in range(0, len(raw), 3) if all(abs(raw[i + k] - colour[k]) <= tolerance for k in range(3)))


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool"), "needs Xvfb and xdotool")
class ViewerUiTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-viewer-ui-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state_home = os.path.join(self.dir, "state")
        self.a = self.enterContext(Xvfb(HOST_W, HOST_H))
        hide_cursor(self.a.display)
        self.picture = make_test_picture(os.path.join(self.dir, "picture.png"), HOST_W, HOST_H, "viewer")
        paint_root(self.a.display, self.picture)
        self.host_shot = grab_window(self.a.display, os.path.join(self.dir, "host.png"))

    def start(self, b, *args, size=None):
        """A host on A and a viewer on display `b` (window moved to 0,0 and sized when asked); the window id."""
        self.host = Host("--consent", "accept", "--ui", "none", display=self.a.display)
        self.addCleanup(self.host.stop)
        env = dict(os.environ, XDG_STATE_HOME=self.state_home, ELFDESK_LOG="info")
        self.viewer = Viewer(self.host, b.display, *args, env=env)
        self.addCleanup(self.viewer.stop)
        window = find_window(b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(window, "no viewer window: " + self.viewer.stderr())
        if size:
            x_run(b.display, "xdotool", "windowmove", "--sync", window, "0", "0", "windowsize", "--sync", window,
                  str(size[0]), str(size[1]))
        x_run(b.display, "xdotool", "mousemove", "300", "200")
        self.assertTrue(wait_until(lambda: "connected" in self.title(b, window), timeout=20),
                        self.viewer.stderr() + self.host.stderr())
        return window

    def title(self, b, window):
        return x_run(b.display, "xdotool", "getwindowname", window, check=False).stdout

    def shot(self, b, window, name):
        return grab_window(b.display, os.path.join(self.dir, name + ".png"), window)

    def crop(self, src, name, x, y, w, h):
        return png_crop(src, os.path.join(self.dir, name + ".png"), x, y, w, h)

    def keys(self, b, window, *combos):
        x_run(b.display, "xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", *combos)

    def xev(self, *events):
        """`xev -root` on the host's display, logging `events`; returns a function reading the log."""
        log = os.path.join(self.dir, "xev-%d.log" % len(events))
        out = open(log, "w")
        cmd = ["stdbuf", "-oL", "xev", "-root"]
        for e in events:
            cmd += ["-event", e]
        proc = subprocess.Popen(cmd, env=dict(os.environ, DISPLAY=self.a.display), stdout=out,
                                stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.kill(), proc.wait(), out.close()))
        time.sleep(0.3)  # xev selects its events right after start; nothing to poll for

        def read():
            with open(log) as f:
                return f.read()
        return read

    def test_f11_fullscreen_covers_the_viewer_display_with_the_picture(self):
        b = self.enterContext(Xvfb(1024, 576))  # the host's aspect: fit fills it without bars
        wm = subprocess.Popen(["openbox"], env=dict(os.environ, DISPLAY=b.display), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (wm.terminate(), wm.wait()))
        time.sleep(0.5)  # openbox takes over the root window; nothing to poll for
        window = self.start(b, size=(640, 400))
        reference = os.path.join(self.dir, "host-small.png")
        subprocess.run(["convert", self.host_shot, "-resize", "1024x576!", "PNG24:" + reference], check=True)

        def geometry():
            out = x_run(b.display, "xdotool", "getwindowgeometry", window).stdout
            pos = tuple(map(int, re.search(r"Position:\s*(-?\d+),(-?\d+)", out).groups()))
            size = tuple(map(int, re.search(r"Geometry:\s*(\d+)x(\d+)", out).groups()))
            return pos, size
        self.keys(b, window, "F11")
        self.assertTrue(wait_until(lambda: geometry() == ((0, 0), (1024, 576)), timeout=10), geometry())
        # The whole display is the remote picture: bars or a window frame would show as black or grey.
        root = os.path.join(self.dir, "fullscreen.png")
        body = lambda: self.crop(grab_window(b.display, root), "fullscreen-body", 0, 40, 1024, 536)
        expected = self.crop(reference, "expected-body", 0, 40, 1024, 536)
        self.assertTrue(wait_until(lambda: psnr(expected, body()) >= 24, timeout=20),
                        "fullscreen does not show the picture: %.1f dB" % psnr(expected, body()))
        for corner in ((0, 560), (1008, 560), (0, 40), (1008, 40)):
            got, want = (png_rgb(self.crop(p, "c", corner[0], corner[1], 16, 16)) for p in (root, reference))
            self.assertLess(sum(abs(g - w) for g, w in zip(got, want)) / len(got), 24, corner)
        # F11 again: back to the window.
        self.keys(b, window, "F11")
        self.assertTrue(wait_until(lambda: geometry()[1] == (640, 400), timeout=10), geometry())

    def test_one_to_one_scrolls_to_the_host_pixels_and_clicks_land_there(self):
        b = self.enterContext(Xvfb(1024, 768))
        window = self.start(b, "--scale", "1:1", size=(640, 400))
        # The menu button sits at the top right: compare below it.
        view = lambda name: self.crop(self.shot(b, window, name), name + "-body", 0, 40, 600, 360)
        at = lambda x, y, name: self.crop(self.host_shot, name, x, y + 40, 600, 360)
        self.assertTrue(wait_until(lambda: psnr(at(0, 0, "h0"), view("v0")) >= 32, timeout=20),
                        "no 1:1 picture: " + self.viewer.stderr())
        self.keys(b, window, "ctrl+alt+Right", "ctrl+alt+Right", "ctrl+alt+Down")
        self.assertTrue(wait_until(lambda: "scrolled to 200,100" in self.viewer.stderr(), timeout=10),
                        self.viewer.stderr())
        expected = at(200, 100, "h1")
        self.assertTrue(wait_until(lambda: psnr(expected, view("v1")) >= 32, timeout=10),
                        "%.1f dB at the offset" % psnr(expected, view("v1")))
        shown = view("v1")
        # Exactly there: a few pixels off matches far worse.
        for dx, dy in ((4, 0), (0, 4), (-4, 0)):
            self.assertLess(psnr(at(200 + dx, 100 + dy, "off"), shown), psnr(expected, shown) - 6, (dx, dy))
        read = self.xev("button")
        x_run(b.display, "xdotool", "mousemove", "50", "60", "click", "1")
        pressed = lambda: re.findall(r"ButtonPress event.*?root 0x[0-9a-f]+, subw 0x[0-9a-f]+, time \d+, "
                                     r"\((-?\d+),(-?\d+)\)", read(), re.S)
        self.assertTrue(wait_until(pressed, timeout=10), read())
        self.assertEqual(tuple(map(int, pressed()[0])), (250, 160))
        # The pointer resting at the right edge keeps panning, up to the picture's right end (1280 - 640).
        x_run(b.display, "xdotool", "mousemove", "636", "200")
        far_right = at(640, 100, "h2")
        self.assertTrue(wait_until(lambda: psnr(far_right, view("v2")) >= 32, timeout=15),
                        "edge panning did not reach the right end: %.1f dB" % psnr(far_right, view("v2")))
        self.assertTrue(wait_until(lambda: "edge panning stopped at 640,100" in self.viewer.stderr(), timeout=10),
                        self.viewer.stderr())

    def test_one_to_one_does_not_pan_when_the_window_moves_and_shrinks_under_a_resting_pointer(self):
        """X sends no motion when a window moves or resizes under a still pointer: the last position the
        viewer saw (500,300 of the old window) lies at the new window's right edge, the pointer itself (300,300)
        does not. Panning then moved the picture away from where the user had put it."""
        b = self.enterContext(Xvfb(1024, 768))
        window = self.start(b, "--scale", "1:1", size=(800, 600))
        x_run(b.display, "xdotool", "mousemove", "500", "300")
        view = lambda name: self.crop(self.shot(b, window, name), name + "-body", 0, 40, 480, 340)
        at0 = lambda src, name: self.crop(src, name, 0, 40, 480, 340)
        self.assertTrue(wait_until(lambda: psnr(at0(self.host_shot, "s0"), view("s0v")) >= 32, timeout=20),
                        "no 1:1 picture: " + self.viewer.stderr())
        x_run(b.display, "xdotool", "windowmove", "--sync", window, "200", "0", "windowsize", "--sync", window,
              "510", "400")
        # The host's picture changes where the window shows it: new pictures wake the viewer's loop, which
        # (before the fix) panned on the stale position.
        changed = os.path.join(self.dir, "changed.png")
        subprocess.run(["convert", self.picture, "-fill", "#8e44ad", "-draw", "rectangle 40,60 300,300",
                        "PNG24:" + changed], check=True)
        paint_root(self.a.display, changed)
        expected = at0(grab_window(self.a.display, os.path.join(self.dir, "host-changed.png")), "s1")
        self.assertTrue(wait_until(lambda: psnr(expected, view("s1v")) >= 32, timeout=20),
                        "the changed picture is not shown at 0,0: %.1f dB; %s" % (psnr(expected, view("s1v")),
                                                                                  self.viewer.stderr()))
        self.assertNotIn("edge panning", self.viewer.stderr())
        self.assertGreaterEqual(psnr(expected, view("s2v")), 32, "the view moved")

    def test_menu_is_opaque_and_sends_ctrl_alt_del_and_alt_tab(self):
        b = self.enterContext(Xvfb(1024, 768))
        window = self.start(b, size=(800, 600))
        read = self.xev("keyboard")
        self.keys(b, window, "F8")
        rect = wait_until(lambda: rect_from_log(self.viewer.stderr(), "menu"), timeout=10)
        self.assertTrue(rect, self.viewer.stderr())
        x, y, w, h = rect
        self.assertTrue(0 <= x and x + w <= 800 and 0 <= y and y + h <= 600, rect)
        menu = lambda: self.crop(self.shot(b, window, "menu-window"), "menu", x, y, w, h)
        # Opaque: most pixels are exactly the menu's background (text is the rest); see-through would vary.
        self.assertTrue(wait_until(lambda: fraction_exact(menu(), {PANEL_BG, HIGHLIGHT}) >= 0.75, timeout=10),
                        fraction_exact(menu(), {PANEL_BG, HIGHLIGHT}))
        self.keys(b, window, "Return")  # the first item: Send Ctrl+Alt+Del
        keys = lambda kind: re.findall(kind + r" event.*?keysym 0x[0-9a-f]+, (\w+)\)", read(), re.S)
        self.assertTrue(wait_until(lambda: "Delete" in keys("KeyRelease"), timeout=10), read())
        self.assertEqual(keys("KeyPress")[-3:], ["Control_L", "Alt_L", "Delete"])
        self.assertEqual(keys("KeyRelease")[-3:], ["Delete", "Alt_L", "Control_L"])
        # By mouse: the button at the top right, then the second row (Send Alt+Tab).
        x_run(b.display, "xdotool", "mousemove", "790", "12", "click", "1")
        items = int(re.findall(r"menu at .*?, (\d+) items", self.viewer.stderr())[-1])
        self.assertTrue(wait_until(lambda: self.viewer.stderr().count("viewer: menu at") >= 2, timeout=10))
        row = (h - 16) / items
        x_run(b.display, "xdotool", "mousemove", str(x + w // 2), str(int(y + 8 + row * 1.5)), "click", "1")
        self.assertTrue(wait_until(lambda: "Tab" in keys("KeyRelease"), timeout=10), read())
        self.assertEqual(keys("KeyPress")[-2:], ["Alt_L", "Tab"])
        self.assertIsNone(self.viewer.proc.poll(), self.viewer.stderr())

    def test_findings_panel_is_opaque_coloured_and_wraps(self):
        b = self.enterContext(Xvfb(1024, 768))
        window = self.start(b, size=(640, 560))
        self.keys(b, window, "ctrl+alt+d")
        logged = lambda: re.findall(r"triage panel at (\d+),(\d+) (\d+)x(\d+): (\d+) lines in (\d+) rows",
                                    self.viewer.stderr())
        self.assertTrue(wait_until(logged, timeout=40), self.viewer.stderr())
        x, y, w, h, lines, rows = map(int, logged()[-1])
        self.assertTrue(0 <= x and x + w <= 640 and 0 <= y and y + h <= 560, (x, y, w, h))
        self.assertGreater(rows, lines, "no long line was wrapped")  # findings' reasons are long at ~60 columns
        # Remedies are offered by default now (no --remedies): the viewer asked for that permission.
        consent = [e for e in self.host.audit() if e["event"] == "consent"]
        self.assertTrue(consent[0]["permissions"] & 16, consent)  # protocol::permission::kRemedies
        saved = glob.glob(os.path.join(self.viewer.dir, "elfdesk-triage-*.json"))
        with open(saved[0]) as f:
            report = json.load(f)
        worst = report["findings"][0]["severity"]  # most urgent first: in the first rows
        time.sleep(0.3)  # drawn by the next present after the log line; nothing to poll for
        panel = self.crop(self.shot(b, window, "panel-window"), "panel", x, y, w, h)
        self.assertGreaterEqual(fraction_exact(panel, {PANEL_BG, HIGHLIGHT}), 0.6, "the panel is see-through")
        self.assertGreater(count_near(panel, SEVERITY_RGB[worst]), 30, "no %s colour in the panel" % worst)
        if report["findings"][0].get("remedy"):  # offered under the first finding, on a highlighted band
            self.assertGreater(count_near(panel, HIGHLIGHT, 0), 100, "no remedy offered")
        # Nothing runs off its right edge: the padding column is background on every row.
        edge = self.crop(panel, "panel-edge", w - 2, 0, 2, h)  # right of the scroll bar, if there is one
        self.assertEqual(fraction_exact(edge, {PANEL_BG}), 1.0)
        # The wheel over the panel scrolls it (and does not reach the customer).
        if rows > int(re.findall(r"\((\d+) shown\)", self.viewer.stderr())[-1]):
            before = png_rgb(panel)
            x_run(b.display, "xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "5")
            moved = lambda: png_rgb(self.crop(self.shot(b, window, "scrolled"), "panel2", x, y, w, h)) != before
            self.assertTrue(wait_until(moved, timeout=10), "the wheel did not scroll the panel")

    def test_the_scale_mode_comes_back_for_the_same_host(self):
        b = self.enterContext(Xvfb(1024, 768))
        window = self.start(b, size=(640, 400))
        self.keys(b, window, "ctrl+alt+1")
        state_file = os.path.join(self.state_home, "elfdesk", "viewer.json")
        def remembered():
            if not os.path.exists(state_file):
                return None
            with open(state_file) as f:
                return json.load(f)["hosts"]
        self.assertTrue(wait_until(remembered, timeout=10), self.viewer.stderr())
        self.assertEqual(remembered()[0]["scale"], "1:1")
        # Keyed by the host key of the host's SessionInfo (its Hello names no host), not by the address dialled.
        self.assertRegex(remembered()[0]["host"], r"^key [0-9a-f]{32}$")
        self.viewer.stop()
        self.host.stop()
        window = self.start(b, size=(640, 400))  # no --scale: the remembered 1:1
        self.assertTrue(wait_until(lambda: "as last time: 1:1" in self.viewer.stderr(), timeout=10),
                        self.viewer.stderr())
        view = lambda: self.crop(self.shot(b, window, "again"), "again-body", 0, 40, 600, 360)
        expected = self.crop(self.host_shot, "again-host", 0, 40, 600, 360)
        self.assertTrue(wait_until(lambda: psnr(expected, view()) >= 32, timeout=20),
                        "not 1:1 after the restart: %.1f dB" % psnr(expected, view()))


if __name__ == "__main__":
    unittest.main()
