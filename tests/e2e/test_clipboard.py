"""Clipboard text copied on one side can be pasted on the other, both directions, and --no-clipboard stops it."""
import subprocess
import time
import unittest

from elfdesk_e2e import CLIENT_BIN, Host, Xvfb, find_window, x_run


def read_clipboard(xvfb):
    # One read that gets no answer in 5 s counts as "not there yet": the waits below have their own deadline.
    # Seen once in CI under load (both cores busy): the host's owner answered the next read, not that one.
    try:
        result = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env=xvfb.env(), timeout=5,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except subprocess.TimeoutExpired:
        return None
    return result.stdout if result.returncode == 0 else None


def wait_for_clipboard(xvfb, expected, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if read_clipboard(xvfb) == expected:
            return True
        time.sleep(0.2)
    return False


def focus(xvfb, window):
    x_run(xvfb.display, "xdotool", "windowfocus", "--sync", window)


class ClipboardTest(unittest.TestCase):
    def session(self, host_display, viewer_display, *viewer_args):
        host = Host("--consent", "accept", "--ui", "none", display=host_display.display)
        viewer = subprocess.Popen([CLIENT_BIN, "view", host.address, "--code", host.code(), *viewer_args],
                                  env=viewer_display.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertTrue(host.wait_for_output(r"session started"), host.stdout() + host.stderr())
        return host, viewer

    def copy(self, xvfb, text):
        owner = subprocess.Popen(["xclip", "-quiet", "-selection", "clipboard"], env=xvfb.env(), stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        owner.stdin.write(text)
        owner.stdin.close()
        return owner

    def test_both_directions(self):
        with Xvfb() as a, Xvfb() as b:
            host, viewer = self.session(a, b)
            owners = []
            try:
                time.sleep(1.0)  # the viewer's window and clipboard watcher are up
                owners.append(self.copy(a, "copied on the customer's machine: grüße €"))
                self.assertTrue(wait_for_clipboard(b, "copied on the customer's machine: grüße €"),
                                f"viewer clipboard is {read_clipboard(b)!r}")
                focus(b, find_window(b.display, "elfdesk"))  # only a focused viewer shares the engineer's copy
                owners.append(self.copy(b, "pasted from the engineer ñ"))
                self.assertTrue(wait_for_clipboard(a, "pasted from the engineer ñ"),
                                f"host clipboard is {read_clipboard(a)!r}")
            finally:
                for owner in owners:
                    owner.kill()
                    owner.wait()
                viewer.terminate()
                viewer.wait(10)
                host.stop()

    def test_no_clipboard_on_the_viewer(self):
        with Xvfb() as a, Xvfb() as b:
            host, viewer = self.session(a, b, "--no-clipboard")
            owner = None
            try:
                time.sleep(1.0)
                owner = self.copy(a, "must stay on the host")
                self.assertFalse(wait_for_clipboard(b, "must stay on the host", timeout=3))
            finally:
                if owner:
                    owner.kill()
                    owner.wait()
                viewer.terminate()
                viewer.wait(10)
                host.stop()

    def test_engineer_copy_goes_only_while_the_viewer_has_focus(self):
        with Xvfb() as a, Xvfb() as b:
            host, viewer = self.session(a, b)
            owners, other = [], None
            try:
                window = find_window(b.display, "elfdesk")
                self.assertIsNotNone(window)
                time.sleep(1.0)  # the host's clipboard watcher is up
                # The customer copies first: the viewer then owns the engineer's clipboard, so SDL reports the
                # engineer's next copy anywhere on the desktop (the case that leaked).
                owners.append(self.copy(a, "from the customer"))
                self.assertTrue(wait_for_clipboard(b, "from the customer"), f"viewer clipboard is {read_clipboard(b)!r}")
                # Another application on the engineer's desktop has the keyboard.
                other = subprocess.Popen(["xmessage", "-geometry", "+0+0", "another application"], env=b.env(),
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                other_window = find_window(b.display, "xmessage", by="class")
                self.assertIsNotNone(other_window)
                focus(b, other_window)
                owners.append(self.copy(b, "a password copied elsewhere"))
                self.assertFalse(wait_for_clipboard(a, "a password copied elsewhere", timeout=3),
                                 "a copy outside the viewer reached the customer")
                # Focus on the viewer: its newest copy is offered once.
                focus(b, window)
                self.assertTrue(wait_for_clipboard(a, "a password copied elsewhere"),
                                f"host clipboard is {read_clipboard(a)!r}")
                owners.append(self.copy(b, "copied while focused"))
                self.assertTrue(wait_for_clipboard(a, "copied while focused"),
                                f"host clipboard is {read_clipboard(a)!r}")
            finally:
                for owner in owners + ([other] if other else []):
                    owner.kill()
                    owner.wait()
                viewer.terminate()
                viewer.wait(10)
                host.stop()

    def test_engineer_paste_reaches_a_customer_who_never_copied(self):
        with Xvfb() as a, Xvfb() as b:
            host, viewer = self.session(a, b)
            owner = None
            try:
                self.assertIsNone(read_clipboard(a), "the customer's display must start with an empty clipboard")
                focus(b, find_window(b.display, "elfdesk"))
                time.sleep(0.5)
                owner = self.copy(b, "first paste ever")
                self.assertTrue(wait_for_clipboard(a, "first paste ever"), f"host clipboard is {read_clipboard(a)!r}")
            finally:
                if owner:
                    owner.kill()
                    owner.wait()
                viewer.terminate()
                viewer.wait(10)
                host.stop()


if __name__ == "__main__":
    unittest.main()
