"""When the customer's X display goes away (logout, display manager restart) the host ends the session with
the reason, audits it, tells the engineer and exits with its documented code; a display or monitor that is
not there fails at start, before any code is shown. Real binaries, real Xvfb displays."""
import subprocess
import time
import unittest

from elfdesk_e2e import HOST_BIN, Host, Viewer, Xvfb, find_window, wait_until

EXIT_USAGE, EXIT_DISPLAY_CLOSED = 2, 3  # elfdesk-host (README, exit codes)
REASON = "the customer's display closed"


class DisplayClosesDuringSession(unittest.TestCase):
    def setUp(self):
        self.customer = Xvfb(800, 600).__enter__()
        self.addCleanup(self.customer.__exit__, None, None, None)
        self.engineer = Xvfb(1024, 768).__enter__()
        self.addCleanup(self.engineer.__exit__, None, None, None)

    def run_session_and_close_display(self, *host_args, window=False):
        host = Host("--consent", "accept", *host_args, display=self.customer.display)
        self.addCleanup(host.stop)
        if window:
            self.assertIsNotNone(find_window(self.customer.display, "^elfdesk"), "the host's window is not shown")
        viewer = Viewer(host, self.engineer.display)
        self.addCleanup(viewer.stop)
        self.assertTrue(host.wait_for_output(r"session started", timeout=20), host.stdout() + host.stderr())
        # Frames flow before the display goes: the capturer, injector and clipboard are all connected.
        self.assertTrue(wait_until(lambda: any(r["event"] == "session_start" for r in host.audit())))
        time.sleep(1)
        self.customer.proc.kill()
        closed_at = time.time()
        try:
            rc = host.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.fail("the host is still running 10 s after its display closed:\n" + host.stdout() + host.stderr())
        took = time.time() - closed_at
        print(f"\nhost exited {rc} {took:.2f} s after its display closed")
        self.assertEqual(rc, EXIT_DISPLAY_CLOSED, host.stdout() + host.stderr())
        self.assertLess(took, 4)  # well before main's 5 s give-up: the session ended in order
        ends = [r for r in host.audit() if r["event"] == "session_end"]
        self.assertEqual(len(ends), 1, host.audit())
        self.assertEqual(ends[0]["reason"], REASON)
        self.assertIn(REASON, host.stdout())
        try:
            viewer.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.fail("the viewer did not end:\n" + viewer.stderr())
        self.assertIn(REASON, viewer.stderr())
        self.assertEqual(viewer.proc.returncode, 10, viewer.stderr())  # the host went away: not a success
        return viewer

    def test_without_window(self):
        self.run_session_and_close_display("--ui", "none")

    def test_with_the_hosts_window_shown(self):
        self.run_session_and_close_display(window=True)


class WrongDisplayFailsAtStart(unittest.TestCase):
    def run_host(self, *args):
        return subprocess.run([HOST_BIN, "--listen", "127.0.0.1:0", "--audit-log", "-", "--consent", "accept",
                               "--ui", "none", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=30, stdin=subprocess.DEVNULL)

    def assert_refused(self, result, message):
        self.assertEqual(result.returncode, EXIT_USAGE, result.stdout + result.stderr)
        self.assertIn(message, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)  # one clear line
        self.assertNotIn("session code", result.stdout)
        self.assertNotIn("listening", result.stdout)

    def test_display_that_is_not_there(self):
        self.assert_refused(self.run_host("--display", ":59997"), "cannot open X display ':59997'")

    def test_monitor_that_is_not_there(self):
        with Xvfb(640, 480) as x:
            self.assert_refused(self.run_host("--display", x.display, "--monitor", "7"), "monitor 7 not present")
            # The same display with its one monitor starts and shows a code.
            with Host("--consent", "accept", "--ui", "none", "--monitor", "0", display=x.display) as host:
                self.assertIn("session code", host.stdout())


if __name__ == "__main__":
    unittest.main()
