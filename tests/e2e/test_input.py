"""Remote control through `elfdesk view`, driven as a user would: xdotool types and clicks into the viewer's
window on Xvfb display B; what arrives on the host's display A is read back by real X clients there (an xterm
writing keystrokes to a file, `xev -root` logging button events, `xinput query-state` for held keys)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import Host, Viewer, Xvfb, find_window, grab_window, held_on, png_rgb, png_size, wait_until, x_run

HOST_W, HOST_H = 1280, 720
TEXT = "Hello, World! äöü ß € ñ"
SYMBOLS = "xyz @#$%^&*()_+{}|:\"<>?~ [1]=2;'/\\-`"
# The viewer's display keeps a US layout; these extra letters sit on spare keycodes of it (like a user's own
# xmodmap). xdotool would otherwise remap a keycode for each of them just before pressing it, a race in which
# the viewer sometimes reads the keycode before the mapping (xterm loses letters the same way).
EXTRA_KEYS = {93: "adiaeresis Adiaeresis", 97: "odiaeresis Odiaeresis", 103: "udiaeresis Udiaeresis",
              120: "ssharp", 132: "EuroSign", 149: "ntilde Ntilde"}
# The scaled window: 800x600 shows 1280x720 at 0.625, letterboxed 75 pixels at the top and bottom.
WINDOW_W, WINDOW_H, BAR = 800, 600, 75
BACKGROUND = (0x60, 0x90, 0xc0)  # the host's root window colour


def remote(wx, wy):
    return wx * HOST_W // WINDOW_W, (wy - BAR) * HOST_H // (WINDOW_H - 2 * BAR)


class InputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-input-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = Xvfb(HOST_W, HOST_H).__enter__()
        self.addCleanup(self.a.__exit__, None, None, None)
        self.b = Xvfb(1440, 900).__enter__()
        self.addCleanup(self.b.__exit__, None, None, None)
        for keycode, keysyms in EXTRA_KEYS.items():
            x_run(self.b.display, "xmodmap", "-e", f"keycode {keycode} = {keysyms}")

    def start(self, *viewer_args, host_layout=None, viewer_env=None):
        """Host on A (optionally with an XKB layout), viewer on B; returns the focused viewer window."""
        if host_layout:
            x_run(self.a.display, "setxkbmap", host_layout)
        x_run(self.a.display, "xsetroot", "-solid", "#%02x%02x%02x" % BACKGROUND)
        self.host = Host("--consent", "accept", "--ui", "none", display=self.a.display)
        self.addCleanup(self.host.stop)
        self.viewer = Viewer(self.host, self.b.display, *viewer_args, env=viewer_env)
        self.addCleanup(self.viewer.stop)
        window = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(window, self.viewer.stderr())
        connected = wait_until(lambda: "connected" in self.window_name(window), timeout=20)
        self.assertTrue(connected, self.window_name(window) + self.viewer.stderr() + self.host.stderr())
        # Pointer events need the remote picture (its size maps window to host pixels): wait until it shows.
        shot = os.path.join(self.dir, "viewer.png")

        def shows_background():
            pixels, (width, height) = png_rgb(grab_window(self.b.display, shot, window)), png_size(shot)
            at = (height // 4 * width + width // 4) * 3  # away from the remote cursor in the centre
            return all(abs(pixels[at + i] - BACKGROUND[i]) <= 12 for i in range(3))
        shown = wait_until(shows_background, timeout=20, interval=0.2)
        self.assertTrue(shown, "the viewer shows no picture of the host")
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", window)
        return window

    def window_name(self, window):
        return x_run(self.b.display, "xdotool", "getwindowname", window, check=False).stdout

    def spawn(self, display, *cmd, **kw):
        proc = subprocess.Popen(list(cmd), env=dict(os.environ, DISPLAY=display, LANG="C.UTF-8", LC_ALL="C.UTF-8"),
                                stdin=subprocess.DEVNULL, **kw)

        def end():
            proc.kill()
            proc.wait()
        self.addCleanup(end)
        return proc

    def start_terminal(self):
        """An xterm on A (top-left, keyboard focus) whose shell writes every typed byte to a file."""
        out = os.path.join(self.dir, "typed.txt")
        open(out, "w").close()
        self.spawn(self.a.display, "xterm", "-u8", "-geometry", "60x8+0+0", "-e", "sh", "-c",
                   f"stty -icanon -echo; exec cat > {out}", stderr=subprocess.DEVNULL)
        term = find_window(self.a.display, "^XTerm$", timeout=20, by="class")
        self.assertIsNotNone(term)
        x_run(self.a.display, "xdotool", "windowfocus", "--sync", term)
        return out

    def start_event_log(self):
        """`xev -root` on A: logs pointer events that reach the root window (nothing else is on A)."""
        log = os.path.join(self.dir, "xev.log")
        with open(log, "w") as stdout:
            self.spawn(self.a.display, "stdbuf", "-oL", "xev", "-root", "-event", "button", "-event", "mouse",
                       stdout=stdout, stderr=subprocess.DEVNULL)
        time.sleep(0.3)  # xev selects its events right after start; nothing to poll for
        return log

    def typed(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def type_and_expect(self, window, text, out):
        x_run(self.b.display, "xdotool", "type", "--delay", "25", text)
        wait_until(lambda: len(self.typed(out)) >= len(text), timeout=20)
        time.sleep(0.3)  # anything extra (a doubled letter) would arrive by now
        self.assertEqual(self.typed(out), text)

    def check_typing(self, layout=None):
        window = self.start(host_layout=layout)
        out = self.start_terminal()
        self.type_and_expect(window, TEXT + " " + SYMBOLS, out)

    def test_typing_on_us_host_layout(self):
        self.check_typing()

    def test_typing_on_german_host_layout(self):
        self.check_typing("de")

    def test_pointer_lands_on_the_right_host_pixels_in_a_scaled_window(self):
        window = self.start()
        log = self.start_event_log()
        x_run(self.b.display, "xdotool", "windowsize", "--sync", window, str(WINDOW_W), str(WINDOW_H))
        # No wait needed: X delivers the window's ConfigureNotify to the viewer before the pointer events below.
        xdo = lambda *a: x_run(self.b.display, "xdotool", *a)
        xdo("mousemove", "--window", window, "100", "100", "click", "1")
        xdo("mousemove", "--window", window, "400", "30", "click", "1")  # in the letterbox bar: not a click
        xdo("mousemove", "--window", window, "500", "300", "click", "--repeat", "2", "--delay", "60", "1")
        xdo("mousemove", "--window", window, "200", "200", "mousedown", "1")
        for step in range(1, 5):
            xdo("mousemove", "--window", window, str(200 + 100 * step), str(200 + 50 * step))
        xdo("mouseup", "1")
        xdo("mousemove", "--window", window, "400", "500", "click", "5")
        expected = [("ButtonPress", 1, remote(100, 100)), ("ButtonRelease", 1, remote(100, 100)),
                    ("ButtonPress", 1, remote(500, 300)), ("ButtonRelease", 1, remote(500, 300)),
                    ("ButtonPress", 1, remote(500, 300)), ("ButtonRelease", 1, remote(500, 300)),
                    ("ButtonPress", 1, remote(200, 200)), ("ButtonRelease", 1, remote(600, 400)),
                    ("ButtonPress", 5, remote(400, 500)), ("ButtonRelease", 5, remote(400, 500))]
        wait_until(lambda: len(buttons(log)) >= len(expected), timeout=20)
        time.sleep(0.3)  # anything unexpected (a click from the bar) would be logged by now
        events = buttons(log)
        self.assertEqual([(kind, button, pos) for kind, button, pos, _ in events], expected)
        double = [t for kind, _, _, t in events[2:5:2]]
        self.assertLess(double[1] - double[0], 500, "the two clicks are too far apart for a double-click")
        drag = motions(log)
        self.assertTrue(any(state & 0x100 for state, _ in drag), "no motion with button 1 held (no drag)")
        self.assertIn((0x100, remote(400, 300)), drag)

    def test_keys_held_when_the_viewer_dies_are_released(self):
        window = self.start()
        xdo = lambda *a: x_run(self.b.display, "xdotool", *a)
        xdo("mousemove", "--window", window, "300", "300", "mousedown", "1")
        xdo("keydown", "Shift_L", "keydown", "a")
        held = wait_until(lambda: (h := held_on(self.a.display)) and len(h) >= 3 and h, timeout=20)
        self.assertIsNotNone(held, f"keys did not go down on the host: {held_on(self.a.display)}")
        self.assertIn("key[50]", held)  # Shift_L
        self.assertIn("button[1]", held)
        self.viewer.proc.send_signal(signal.SIGKILL)
        self.viewer.proc.wait()
        released = wait_until(lambda: not held_on(self.a.display), timeout=15)
        self.assertTrue(released, f"still held on the host: {held_on(self.a.display)}")
        xdo("keyup", "a", "keyup", "Shift_L", "mouseup", "1")

    def first_click(self, viewer_env=None):
        """The engineer's desktop has a window manager and another window focused; one click on the viewer
        focuses it and must also reach the customer. Returns the button events seen on the host."""
        window = self.start(viewer_env=viewer_env)
        self.spawn(self.b.display, "openbox", "--sm-disable")
        self.assertTrue(wait_until(lambda: "_NET_SUPPORTING_WM_CHECK(WINDOW)" in
                                   x_run(self.b.display, "xprop", "-root", check=False).stdout, timeout=20))
        self.spawn(self.b.display, "xterm", "-geometry", "20x4+1100+750", stderr=subprocess.DEVNULL)
        term = find_window(self.b.display, "^XTerm$", timeout=20, by="class")
        self.assertIsNotNone(term)
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", term)
        log = self.start_event_log()
        x_run(self.b.display, "xdotool", "mousemove", "--window", window, "300", "300", "click", "1")
        wait_until(lambda: len(buttons(log)) >= 2, timeout=5)
        return [kind for kind, *_ in buttons(log)]

    def test_first_click_on_an_unfocused_viewer_reaches_the_customer(self):
        self.assertEqual(self.first_click(), ["ButtonPress", "ButtonRelease"])

    def test_view_only_injects_nothing(self):
        window = self.start("--view-only")
        out = self.start_terminal()
        log = self.start_event_log()
        pointer = x_run(self.a.display, "xdotool", "getmouselocation").stdout
        x_run(self.b.display, "xdotool", "type", "--delay", "25", "view only")
        x_run(self.b.display, "xdotool", "mousemove", "--window", window, "700", "500", "click", "1", "click", "4")
        # Compare with the pointer test: there, events arrive well within this time.
        time.sleep(2.0)
        self.assertEqual(self.typed(out), "")
        self.assertEqual(buttons(log), [])
        self.assertEqual(x_run(self.a.display, "xdotool", "getmouselocation").stdout, pointer)
        self.assertIsNone(self.viewer.proc.poll())


def buttons(log_path):
    """Button events in an `xev` log: (kind, button, (x, y), server time in ms)."""
    with open(log_path) as f:
        text = f.read()
    pattern = (r"(ButtonPress|ButtonRelease) event,.*?\n.*?time (\d+), \((-?\d+),(-?\d+)\),.*?\n"
               r"\s*state 0x[0-9a-f]+, button (\d+)")
    return [(m[1], int(m[5]), (int(m[3]), int(m[4])), int(m[2])) for m in re.finditer(pattern, text)]


def motions(log_path):
    """Pointer motions in an `xev` log: (state mask, (x, y))."""
    with open(log_path) as f:
        text = f.read()
    pattern = r"MotionNotify event,.*?\n.*?\((-?\d+),(-?\d+)\),.*?\n\s*state (0x[0-9a-f]+)"
    return [(int(m[3], 16), (int(m[1]), int(m[2]))) for m in re.finditer(pattern, text)]


if __name__ == "__main__":
    unittest.main()
