"""`elfdesk view` as an engineer sees it: the host shares Xvfb display A, the viewer's window lives on another
Xvfb display B, and the window's pixels (grabbed with ImageMagick's import) are compared with A's screen."""
import os
import re
import shutil
import tempfile
import threading
import time
import unittest

from elfdesk_e2e import (Host, Viewer, Xvfb, elfdesk, find_window, grab_window, hide_cursor, make_test_picture,
                         paint_root, png_crop, png_rgb, png_size, psnr, viewer_control, wait_until, without_menu_button,
                         x_run)

HOST_W, HOST_H = 1280, 720
MIN_PSNR_STILL = 35.0   # a still picture, after the host's quality top-off
MIN_PSNR_MOVING = 25.0  # a picture that changes every few hundred ms (no top-off in between)
FRAMES = 6


class ViewTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-view-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.a = Xvfb(HOST_W, HOST_H).__enter__()
        self.addCleanup(self.a.__exit__, None, None, None)
        self.b = Xvfb(1440, 900).__enter__()  # larger than A: the default 1280x720 window shows A at 1:1
        self.addCleanup(self.b.__exit__, None, None, None)
        # An invisible host cursor: the remote cursor the viewer draws on top would differ from A's screen grab.
        hide_cursor(self.a.display)
        self.host = Host("--consent", "accept", "--ui", "none", display=self.a.display)
        self.addCleanup(self.host.stop)

    def path(self, name):
        return os.path.join(self.dir, name)

    def start_viewer(self, *args):
        viewer = Viewer(self.host, self.b.display, *args)
        self.addCleanup(viewer.stop)
        window = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(window, "no viewer window named elfdesk*: " + viewer.stderr())
        return viewer, window

    def window_area(self, window, name, rect):
        """Grabs the viewer window and cuts out `rect` (x, y, w, h): where the remote picture is drawn. The
        menu button's corner is blacked out: compare with a reference given the same (self.reference)."""
        shot = grab_window(self.b.display, self.path(name + "-window.png"), window)
        self.window_width = png_size(shot)[0]
        return without_menu_button(png_crop(shot, self.path(name + ".png"), *rect), self.window_width, rect[0], rect[1])

    def reference(self, path, rect):
        """A copy of the host's picture `path` for comparing with window_area(..., rect)."""
        masked = path[:-4] + "-masked.png"
        shutil.copy(path, masked)
        return without_menu_button(masked, self.window_width, rect[0], rect[1])

    def wait_for_match(self, window, reference, rect, bound, timeout=20):
        """Polls the window until its picture area matches `reference` by `bound` dB; returns the last PSNR."""
        best = [float("-inf")]

        def matches():
            area = self.window_area(window, "poll", rect)
            value = psnr(self.reference(reference, rect), area)
            best[0] = value
            return value >= bound
        wait_until(matches, timeout=timeout, interval=0.2)
        return best[0]

    def test_window_shows_the_host_screen_at_1_to_1(self):
        paint_root(self.a.display, make_test_picture(self.path("picture.png"), HOST_W, HOST_H, "view"))
        reference = grab_window(self.a.display, self.path("host.png"))
        viewer, window = self.start_viewer("--scale", "1:1")
        title = x_run(self.b.display, "xdotool", "getwindowname", window).stdout.strip()
        self.assertTrue(title.startswith("elfdesk"), title)
        # Larger than the picture: fitting would scale it up; 1:1 draws it unscaled at the top-left corner.
        x_run(self.b.display, "xdotool", "windowmove", "--sync", window, "0", "0", "windowsize", "--sync", window,
              "1400", "820")
        self.assertEqual(png_size(grab_window(self.b.display, self.path("size.png"), window)), (1400, 820))
        value = self.wait_for_match(window, reference, (0, 0, HOST_W, HOST_H), MIN_PSNR_STILL)
        print(f"\nview 1:1, still picture: PSNR {value:.2f} dB against the host screen")
        self.assertGreaterEqual(value, MIN_PSNR_STILL)
        self.assertIsNone(viewer.proc.poll())

    def test_moving_picture_keeps_updating(self):
        frames = [make_test_picture(self.path(f"frame{i}.png"), HOST_W, HOST_H, f"frame {i} " + "#" * (6 * i))
                  for i in range(FRAMES)]
        references = []  # the host's own grabs: what really was on its screen
        for i, frame in enumerate(frames):
            paint_root(self.a.display, frame)
            references.append(grab_window(self.a.display, self.path(f"host-frame{i}.png")))
        shown = []  # (index, time) of each frame painted on A
        stop = threading.Event()

        def animate():
            for i, frame in enumerate(frames):
                if stop.wait(0.25):
                    return
                paint_root(self.a.display, frame)
                shown.append((i, time.time()))
        _, window = self.start_viewer()
        painter = threading.Thread(target=animate)
        painter.start()
        self.addCleanup(painter.join)
        self.addCleanup(stop.set)
        captures = []
        for painted in (2, FRAMES - 1):
            self.assertTrue(wait_until(lambda: len(shown) >= painted, timeout=30), "the painter is stuck")
            captures.append((self.window_area(window, f"moving{painted}", (0, 0, HOST_W, HOST_H)), time.time()))
        painter.join()
        matches = []
        for capture, taken in captures:
            scores = [psnr(self.reference(ref, (0, 0, HOST_W, HOST_H)), capture) for ref in references]
            best = max(range(FRAMES), key=lambda i: scores[i])
            recent = [i for i, t in shown if taken - 3.0 <= t <= taken]
            matches.append((best, round(scores[best], 2), recent))
        print(f"\nview, moving picture: (matched frame, PSNR dB, frames painted in the 3 s before) {matches}")
        for best, value, recent in matches:
            self.assertGreaterEqual(value, MIN_PSNR_MOVING)
            self.assertIn(best, recent, "the window shows an old picture")
        self.assertLess(matches[0][0], matches[1][0], "the window did not follow the host")

    def test_host_resize_is_followed_without_reconnecting(self):
        paint_root(self.a.display, make_test_picture(self.path("picture.png"), HOST_W, HOST_H, "before"))
        viewer, window = self.start_viewer()  # fit: the 1280x720 window shows 1280x720 at scale 1
        before = grab_window(self.a.display, self.path("host-before.png"))
        self.assertGreaterEqual(self.wait_for_match(window, before, (0, 0, HOST_W, HOST_H), MIN_PSNR_STILL),
                                MIN_PSNR_STILL)
        # Xvfb cannot grow its screen, only shrink: 960x720 is 4:3, so the 16:9 window gets bars left and right.
        x_run(self.a.display, "xrandr", "--output", "screen", "--off", "--fb", "960x720")
        paint_root(self.a.display, make_test_picture(self.path("small.png"), 960, 720, "after"))
        after = grab_window(self.a.display, self.path("host-after.png"))
        self.assertEqual(png_size(after), (960, 720))
        value = self.wait_for_match(window, after, (160, 0, 960, 720), MIN_PSNR_STILL)
        print(f"\nview after the host screen shrank to 960x720: PSNR {value:.2f} dB (picture area)")
        self.assertGreaterEqual(value, MIN_PSNR_STILL)
        for side, x in (("left", 0), ("right", 160 + 960)):
            bar = png_rgb(self.window_area(window, "bar-" + side, (x, 0, 160, 720)))
            self.assertLessEqual(max(bar), 16, f"the {side} bar is not black")
        self.assertIsNone(viewer.proc.poll(), "the viewer exited")
        starts = [e for e in self.host.audit() if e.get("event") == "session_start"]
        self.assertEqual(len(starts), 1, "the viewer reconnected")

    def control_stats(self, path):
        """The viewer's {"stats": true} answer on its control socket (None while it cannot answer)."""
        try:
            return viewer_control(path, {"stats": True}, timeout=10).get("stats")
        except (OSError, ValueError):
            return None

    def test_stats_carry_the_hosts_path_estimate(self):
        """The host's PathReport reaches the viewer: its control socket's stats (the overlay's figures) carry a
        plausible estimate of the loopback path once pictures flowed and were acknowledged."""
        sock = self.path("view.sock")
        self.start_viewer("--control-socket", sock)
        pictures = [make_test_picture(self.path(f"p{i}.png"), HOST_W, HOST_H, f"picture {i}") for i in range(2)]
        stop = threading.Event()

        def animate():  # pictures to acknowledge: the estimate comes from the acks
            for i in range(200):
                if stop.wait(0.1):
                    return
                paint_root(self.a.display, pictures[i % 2])
        painter = threading.Thread(target=animate)
        painter.start()
        self.addCleanup(painter.join)
        self.addCleanup(stop.set)
        latest = [None]

        def estimated():
            latest[0] = self.control_stats(sock)
            path = (latest[0] or {}).get("path")
            return bool(path) and path["min_rtt_ms"] > 0 and path["delivery_kbps"] > 0 and path["reports"] >= 2
        self.assertTrue(wait_until(estimated, timeout=30, interval=0.5), f"no path estimate: {latest[0]}")
        path = latest[0]["path"]
        print(f"\nview, the host's path estimate on loopback: {path}")
        self.assertLess(path["min_rtt_ms"], 100.0, "a loopback round trip")
        self.assertGreater(path["target_kbps"], 0)
        self.assertGreaterEqual(path["queue_ms"], 0.0)
        self.assertLessEqual(path["frames_in_flight"], 16)
        self.assertGreater(latest[0]["pictures"], 0)


class StartupTest(unittest.TestCase):
    """What the engineer sees when a command cannot start: one clear line and an exit code, never a crash."""

    def test_help_is_usage_on_stdout_and_exit_0(self):
        for command in ("view", "screenshot", "diag", "probes"):
            result = elfdesk(command, "--help")
            self.assertEqual(result.returncode, 0, command + ": " + result.stderr)
            self.assertTrue(result.stdout.startswith("Usage: elfdesk " + command), command + ": " + result.stdout)
            self.assertEqual(result.stderr, "", command)

    def test_every_command_has_help_and_a_man_page_entry(self):
        # Seen by hand: `man elfdesk` said nothing of fix, remedies, files, bundle or chat, nor of their exit codes.
        usage = elfdesk("--help").stdout
        listed = list(dict.fromkeys(re.findall(r"^  (\w+) ", usage, re.M)))
        self.assertIn("fix", listed)
        self.assertIn("`fix` returns 3 for an unknown remedy", " ".join(usage.split()))
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "man", "elfdesk.1")) as f:
            man = f.read()
        for command in listed:
            result = elfdesk(command, "--help")
            self.assertEqual(result.returncode, 0, command + ": " + result.stderr)
            self.assertTrue(result.stdout.startswith("Usage: elfdesk " + command), command + ": " + result.stdout)
            self.assertTrue(re.search(rf"(?m)^\.TP\n\.B {command}\b", man), f"no paragraph for {command} in elfdesk.1")
            self.assertTrue(re.search(rf"(?m)^\.B elfdesk {command}\b", man), f"{command} not in elfdesk.1's SYNOPSIS")
        exits = man[man.index(".SH EXIT STATUS"):man.index(".SH ENVIRONMENT")]
        for code in ("3", "4"):  # fix: unknown remedy or bad argument; files, bundle, fix: failed
            self.assertTrue(re.search(rf"(?m)^\.B {code}\b", exits), f"exit {code} not in elfdesk.1")

    def test_tls_setup_failure_is_one_line_and_exit_1(self):
        # An OpenSSL configuration naming a provider that does not exist: the engineer's TLS context cannot
        # be built. The viewer builds it on its network thread, where an escaping exception would abort.
        tmp = tempfile.mkdtemp(prefix="elfdesk-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        conf = os.path.join(tmp, "openssl.cnf")
        with open(conf, "w") as out:
            out.write("config_diagnostics = 1\nopenssl_conf = init\n[init]\nproviders = prov\n[prov]\n"
                      "missing = missing_sect\n[missing_sect]\nactivate = 1\n")
        with Xvfb(640, 480) as screen:
            env = dict(os.environ, OPENSSL_CONF=conf, DISPLAY=screen.display)
            for args in (("view", "127.0.0.1:9", "--code", "123-456-789-012", "--control-socket",
                          os.path.join(tmp, "view.sock")),
                         ("screenshot", "127.0.0.1:9", "--code", "123-456-789-012", "--out", os.path.join(tmp, "x.png")),
                         ("diag", "127.0.0.1:9", "--code", "123-456-789-012")):
                result = elfdesk(*args, env=env, timeout=30)
                self.assertEqual(result.returncode, 1, args[0] + ": " + result.stderr)
                lines = [line for line in result.stderr.splitlines() if line.startswith("elfdesk: cannot set up TLS")]
                self.assertEqual(len(lines), 1, args[0] + ": " + result.stderr)
                self.assertNotIn("terminate", result.stderr)


if __name__ == "__main__":
    unittest.main()
