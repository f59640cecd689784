"""A file dropped on the `elfdesk view` window (XDND, as a file manager drags it: tests/tools/xdnd_drop.py)
goes to the customer: the host (--consent accept) takes it into their download folder with the same
SHA-256, audits it, and the viewer's panel opens over the picture with the transfer's status. Real binaries
on two Xvfb displays."""
import os
import shutil
import subprocess
import tempfile
import unittest

from elfdesk_e2e import Viewer, Xvfb, find_window, grab_window, png_rgb, wait_until, window_name
from test_file_transfer import TransferHost, random_file, sha256_of

SYSTEM_PYTHON = "/usr/bin/python3"  # python3-xlib is a Debian package: the system's python has it
DROP_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "xdnd_drop.py")


def has_xlib():
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run([SYSTEM_PYTHON, "-c", "import Xlib"],
                                                            capture_output=True).returncode == 0


@unittest.skipUnless(has_xlib(), "needs python3-xlib (scripts/packages.txt)")
class ViewerDropTest(unittest.TestCase):
    def test_a_file_dropped_on_the_viewer_lands_in_the_customers_downloads(self):
        tmp = self.enterContext(tempfile.TemporaryDirectory())
        customer = self.enterContext(Xvfb(640, 480))
        engineer = self.enterContext(Xvfb(1024, 768))
        customer.run("xsetroot", "-solid", "#2060a0")
        host = TransferHost("--consent", "accept", "--ui", "none", display=customer.display)
        self.addCleanup(host.stop)
        viewer = Viewer(host, engineer.display)
        self.addCleanup(viewer.stop)
        window = find_window(engineer.display, "^elfdesk$", by="classname", timeout=20)
        self.assertTrue(window, viewer.stderr())
        self.assertTrue(wait_until(lambda: "connected" in (window_name(engineer.display, window) or ""), timeout=20),
                        viewer.stderr() + host.stderr())
        before = png_rgb(grab_window(engineer.display, os.path.join(tmp, "before.png"), window))

        dropped = os.path.join(tmp, "crash report.bin")  # a space: the URI is percent-encoded
        digest = random_file(dropped, 3 << 20)
        drop = subprocess.run([SYSTEM_PYTHON, DROP_TOOL, window, dropped], env=engineer.env(), capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(drop.returncode, 0, drop.stderr + viewer.stderr())

        landed = os.path.join(host.downloads, "crash report.bin")
        self.assertTrue(wait_until(lambda: os.path.exists(landed) and sha256_of(landed) == digest, timeout=30),
                        host.stderr() + viewer.stderr())
        received = wait_until(lambda: [e for e in host.audit() if e["event"] == "file_received"])
        self.assertTrue(received, host.audit())
        self.assertEqual((received[-1]["name"], received[-1]["bytes"], received[-1]["sha256"]),
                         ("crash report.bin", 3 << 20, digest))

        # The viewer's panel (the transfer's status) now covers part of the picture: many pixels changed.
        def panel_shown():
            now = png_rgb(grab_window(engineer.display, os.path.join(tmp, "after.png"), window))
            changed = sum(1 for i in range(0, min(len(now), len(before)), 3 * 7) if now[i:i + 3] != before[i:i + 3])
            return changed > 2000
        self.assertTrue(wait_until(panel_shown, timeout=10))
        self.assertIsNone(viewer.proc.poll(), viewer.stderr())


if __name__ == "__main__":
    unittest.main()
