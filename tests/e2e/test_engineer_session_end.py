"""The engineer's side of a session's edges, with the real binaries over real TLS: the viewer says what it is
doing before there is a picture and why a session ended (exit 10 when the host vanished), "host busy" comes at
once, a malformed code is a usage error, and `diag` checks probe calls before it dials."""
import os
import signal
import socket
import subprocess
import time
import unittest

from elfdesk_e2e import (CLIENT_BIN, EXIT_BUSY, EXIT_NETWORK, Host, Viewer, Xvfb, find_window, grab_window,
                         png_rgb, wait_until, wait_viewer_connected)


def non_black_pixels(path):
    rgb = png_rgb(path)
    return sum(1 for i in range(0, len(rgb) - 2, 3) if rgb[i] > 80 or rgb[i + 1] > 80 or rgb[i + 2] > 80)


class ViewerStateTest(unittest.TestCase):
    def test_window_shows_text_while_the_customer_is_asked(self):
        with Xvfb() as customer, Xvfb() as engineer:
            pending = subprocess.PIPE  # the terminal question is never answered
            with Host("--consent", "ask", "--ui", "terminal", display=customer.display, stdin=pending) as host, \
                    Viewer(host, engineer.display) as viewer:
                self.addCleanup(host.proc.stdin.close)
                window = find_window(engineer.display, "elfdesk")
                self.assertIsNotNone(window, viewer.stderr())
                shot = os.path.join(viewer.dir, "waiting.png")

                def text_shown():
                    grab_window(engineer.display, shot, window)
                    return non_black_pixels(shot) > 50
                self.assertTrue(wait_until(text_shown, timeout=15), "the viewer's window stayed black")
                self.assertIn("waiting for the customer", viewer.stderr() + self.title(engineer, window))
                self.assertNotIn("session started", host.stdout(), "consent must still be pending")

    def title(self, xvfb, window):
        return subprocess.run(["xdotool", "getwindowname", window], env=xvfb.env(), stdout=subprocess.PIPE,
                              text=True).stdout

    def unread_bytes(self, host):
        """Bytes waiting in the host's end of the session's connection (Recv-Q)."""
        out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{host.port} )"],
                             stdout=subprocess.PIPE, text=True).stdout.split()
        return int(out[0]) if out else 0

    def test_host_killed_with_unread_input_ends_the_viewer_at_once(self):
        # A process that dies with bytes unread in its socket resets the connection instead of closing it,
        # which to the viewer looks like the network failing: it tries to resume. The dial is then refused
        # (nothing listens), which means elfdesk-host is gone: the viewer ends at once, not after 60 s.
        with Xvfb() as customer, Xvfb() as engineer:
            with Host("--consent", "accept", "--ui", "none", display=customer.display) as host, \
                    Viewer(host, engineer.display) as viewer:
                self.assertTrue(host.wait_for_output(r"session started"), host.stdout() + host.stderr())
                # The viewer holds a resumable session only once it has read the host's answer (on a slow
                # machine under ASan, after the host was stopped).
                window = wait_viewer_connected(engineer.display)
                self.assertIsNotNone(window, viewer.stderr())
                host.proc.send_signal(signal.SIGSTOP)
                subprocess.run(["xdotool", "mousemove", "--window", window, "40", "40", "click", "1",
                                "type", "--delay", "20", "unread input"], env=engineer.env(), check=True)
                self.assertTrue(wait_until(lambda: self.unread_bytes(host) > 0, timeout=10),
                                "the typed input never reached the host's socket")
                host.proc.send_signal(signal.SIGKILL)
                host.proc.wait(10)
                started = time.monotonic()
                self.assertEqual(viewer.proc.wait(15), EXIT_NETWORK, viewer.stderr())
                self.assertLess(time.monotonic() - started, 10, viewer.stderr())
                ended = [line for line in viewer.stderr().splitlines() if "session ended:" in line]
                self.assertTrue(ended, viewer.stderr())
                self.assertIn("lost", ended[-1])

    def test_engineer_who_quits_ends_with_0_and_the_host_says_so(self):
        # Ctrl-C in the engineer's terminal (SDL turns it into the same quit as the window's close button):
        # the viewer says goodbye and exits 0 without blaming the host, whose Goodbye only answers its own.
        with Xvfb() as customer, Xvfb() as engineer:
            with Host("--consent", "accept", "--ui", "none", display=customer.display) as host, \
                    Viewer(host, engineer.display) as viewer:
                self.assertTrue(host.wait_for_output(r"session started"), host.stdout() + host.stderr())
                self.assertIsNotNone(wait_viewer_connected(engineer.display), viewer.stderr())
                viewer.proc.send_signal(signal.SIGINT)
                self.assertEqual(viewer.proc.wait(15), 0, viewer.stderr())
                self.assertNotIn("session ended", viewer.stderr())
                self.assertTrue(host.wait_for_output(r"session ended \(ended by the engineer\)"),
                                host.stdout() + host.stderr())

    def test_killed_host_ends_the_viewer_with_10_and_a_reason(self):
        with Xvfb() as customer, Xvfb() as engineer:
            with Host("--consent", "accept", "--ui", "none", display=customer.display) as host, \
                    Viewer(host, engineer.display) as viewer:
                self.assertTrue(host.wait_for_output(r"session started"), host.stdout() + host.stderr())
                self.assertIsNotNone(find_window(engineer.display, "elfdesk"))
                host.proc.send_signal(signal.SIGKILL)
                host.proc.wait(10)
                self.assertEqual(viewer.proc.wait(20), EXIT_NETWORK, viewer.stderr())
                ended = [line for line in viewer.stderr().splitlines() if "session ended:" in line]
                self.assertTrue(ended, viewer.stderr())
                self.assertTrue(ended[-1].split("session ended:", 1)[1].strip(), viewer.stderr())
                self.assertIn("lost", ended[-1])


class HostBusyTest(unittest.TestCase):
    def test_second_engineer_hears_busy_at_once(self):
        with Xvfb() as customer, Xvfb() as engineer:
            with Host("--consent", "accept", "--ui", "none", display=customer.display) as host, \
                    Viewer(host, engineer.display):
                self.assertTrue(host.wait_for_output(r"session started"), host.stdout() + host.stderr())
                out = os.path.join(host.dir, "second.png")
                started = time.monotonic()
                second = subprocess.run([CLIENT_BIN, "screenshot", host.address, "--code", "111122223333",
                                         "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        timeout=30)
                took = time.monotonic() - started
                self.assertEqual(second.returncode, EXIT_BUSY, second.stderr)
                self.assertIn("busy", second.stderr)
                self.assertLess(took, 2.0, f"'host busy' took {took:.1f} s")


class UsageTest(unittest.TestCase):
    def test_malformed_code_is_a_usage_error_with_a_hint(self):
        for command in (["view"], ["diag", "--probe", "cpu"], ["screenshot", "--out", "/tmp/never.png"]):
            for code in (["123", "456", "789", "012"], ["12345"], ["12ab-3456-7890"]):
                result = subprocess.run([CLIENT_BIN, *command, "127.0.0.1:9", "--code", *code],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20,
                                        env=dict(os.environ, DISPLAY=""))
                self.assertEqual(result.returncode, 2, f"{command} {code}: {result.stderr}")
                self.assertIn('--code "123 456 789 012"', result.stderr, result.stderr)

    def listening_socket(self):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.setblocking(False)
        self.addCleanup(server.close)
        return server

    def test_diag_rejects_bad_probe_calls_before_it_dials(self):
        server = self.listening_socket()
        address = "127.0.0.1:%d" % server.getsockname()[1]
        cases = [(["--probe", "nosuchprobe"], "nosuchprobe"),
                 (["--probe", "cpu", "--arg", "cpu.nonsense=1"], "nonsense"),
                 (["--probe", "cpu", "--arg", "cpu.time_limit_ms=abc"], "time_limit_ms")]
        for args, named in cases:
            result = subprocess.run([CLIENT_BIN, "diag", address, "--code", "1111-2222-3333", *args],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
            self.assertEqual(result.returncode, 3, f"{args}: {result.stderr}")
            self.assertIn(named, result.stderr)
            self.assertIn("nothing was sent", result.stderr)
            with self.assertRaises(BlockingIOError, msg=f"{args}: diag connected"):
                server.accept()


if __name__ == "__main__":
    unittest.main()
